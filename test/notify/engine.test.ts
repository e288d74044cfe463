import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import { createChannel, invalidateChannels, type Topic } from '../../src/notify/index.ts';
import { masterKeyOf } from '../../src/secrets/index.ts';
import type { Store } from '../../src/store/index.ts';
import { startTestEngine, yamlRunbook } from '../support/engine.ts';
import { describeEachStore } from '../support/stores.ts';

const key = masterKeyOf(randomBytes(32));

async function addChannel(store: Store, events: Topic[], labels: Record<string, string> | null = null) {
  await store.transaction((tx) =>
    createChannel(tx, key, {
      name: 'ops',
      kind: 'webhook',
      config: { url: 'http://127.0.0.1:9/unused' },
      events,
      labels,
      actor: 'admin',
      now: Date.now(),
    }),
  );
  invalidateChannels(store);
}

const deliveries = (store: Store) =>
  store.db
    .selectFrom('notification_deliveries')
    .select(['topic', 'payload', 'status'])
    .orderBy('id')
    .execute();

describeEachStore('notifications queued by the engine', (ctx) => {
  it('an approval step queues task.created in the transition that created the task', async () => {
    const store = ctx().store;
    await addChannel(store, ['task.created', 'run.succeeded']);
    const t = await startTestEngine(store, { agent: false });
    try {
      await t.engine.applyRunbook(
        yamlRunbook(
          'gate',
          '  steps:\n    - id: approve\n      approval: { message: "Ship it?", timeout: 1h }\n',
        ),
        'alice',
      );
      const { id } = await t.engine.startRun({ runbook: 'gate', inputs: {}, actor: 'alice' });
      await t.waitFor(id, ['waiting']);
      const task = await store.db
        .selectFrom('tasks')
        .select(['id', 'deadline'])
        .where('run_id', '=', id)
        .executeTakeFirstOrThrow();
      const rows = await deliveries(store);
      expect(rows.map((r) => r.topic)).toEqual(['task.created']);
      expect(JSON.parse(rows[0]!.payload)).toMatchObject({
        path: `/tasks/${task.id}`,
        run: { id, runbook: 'gate', createdBy: 'alice' },
        task: { id: task.id, kind: 'approval', step: 'approve', deadline: task.deadline },
      });
    } finally {
      await t.stop();
    }
  });

  it('a step result that fails the run queues run.failed (also on the one-statement fast path)', async () => {
    const store = ctx().store;
    await addChannel(store, ['run.failed', 'run.succeeded']);
    const t = await startTestEngine(store);
    try {
      await t.engine.applyRunbook(
        yamlRunbook('boom', '  steps:\n    - id: a\n      shell: exit 4\n'),
        'alice',
      );
      await t.engine.applyRunbook(
        yamlRunbook('fine', '  steps:\n    - id: a\n      shell: "true"\n'),
        'alice',
      );
      const failed = await t.engine.startRun({ runbook: 'boom', inputs: {}, actor: 'alice' });
      const ok = await t.engine.startRun({ runbook: 'fine', inputs: {}, actor: 'alice' });
      expect((await t.waitFor(failed.id)).status).toBe('failed');
      expect((await t.waitFor(ok.id)).status).toBe('succeeded');
      const rows = (await deliveries(store)).map((r) => ({
        topic: r.topic,
        run: JSON.parse(r.payload).run.id,
      }));
      expect(rows).toHaveLength(2);
      expect(rows).toEqual(
        expect.arrayContaining([
          { topic: 'run.failed', run: failed.id },
          { topic: 'run.succeeded', run: ok.id },
        ]),
      );
    } finally {
      await t.stop();
    }
  });

  it('an approval escalated at its deadline queues task.escalated with the new assignees', async () => {
    const store = ctx().store;
    await addChannel(store, ['task.escalated']);
    const t = await startTestEngine(store, { agent: false });
    try {
      await t.engine.applyRunbook(
        yamlRunbook(
          'late',
          `  steps:
    - id: approve
      approval:
        message: "Ship it?"
        approvers: { team: dba }
        timeout: 200ms
        on_timeout: escalate
        escalate: { to: { team: sre }, timeout: 1h }
`,
        ),
        'alice',
      );
      const { id } = await t.engine.startRun({ runbook: 'late', inputs: {}, actor: 'alice' });
      await t.waitUntil('the escalation to be queued', async () => (await deliveries(store)).length > 0);
      const task = await store.db
        .selectFrom('tasks')
        .select(['id', 'deadline'])
        .where('run_id', '=', id)
        .executeTakeFirstOrThrow();
      const rows = await deliveries(store);
      expect(rows.map((r) => r.topic)).toEqual(['task.escalated']);
      expect(JSON.parse(rows[0]!.payload)).toMatchObject({
        path: `/tasks/${task.id}`,
        task: {
          id: task.id,
          step: 'approve',
          kind: 'approval',
          message: 'Ship it?',
          assignees: { team: 'sre' },
          deadline: task.deadline,
        },
      });
    } finally {
      await t.stop();
    }
  });

  it('runs of runbooks outside a channel label filter queue nothing', async () => {
    const store = ctx().store;
    await addChannel(store, ['run.failed'], { team: 'dba' });
    const t = await startTestEngine(store);
    try {
      await t.engine.applyRunbook(
        yamlRunbook('boom', '  steps:\n    - id: a\n      shell: exit 4\n'),
        'alice',
      );
      const run = await t.engine.startRun({ runbook: 'boom', inputs: {}, actor: 'alice' });
      expect((await t.waitFor(run.id)).status).toBe('failed');
      expect(await deliveries(store)).toEqual([]);
    } finally {
      await t.stop();
    }
  });
});
