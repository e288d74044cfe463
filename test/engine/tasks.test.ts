/**
 * People acting on tasks through the engine shell, on a real store: decisions served one at a
 * time under the run's lock, refusals with their reasons, escalation by the durable timer loop,
 * manual tasks checked against their forms, claims and reassignments recorded, audit entries.
 */
import { expect, it } from 'vitest';
import { isTandemError, TandemError } from '../../src/core/errors.ts';
import { findTask, listAudit, listRunEvents, uuidv7 } from '../../src/store/index.ts';
import { startTestEngine, yamlRunbook, type TestEngine } from '../support/engine.ts';
import { describeEachStore } from '../support/stores.ts';

/** The error a promise is rejected with. */
async function refusal(p: Promise<unknown>): Promise<TandemError> {
  try {
    await p;
  } catch (err: unknown) {
    if (isTandemError(err)) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

async function waitingTask(t: TestEngine, runId: string, key: string): Promise<string> {
  const run = await t.waitFor(runId, ['waiting']);
  return run.steps.get(key)!.taskId!;
}

describeEachStore('tasks on a real store', (ctx) => {
  it('approvals by several people at once are served in turn: the quorum counts each person once', async () => {
    const t = await startTestEngine(ctx().store);
    try {
      await t.engine.applyRunbook(
        yamlRunbook(
          'quorum',
          '  steps:\n    - id: gate\n      approval: { quorum: 3 }\n    - id: after\n      needs: [gate]\n      log: ok\n',
        ),
        null,
      );
      const { id } = await t.engine.startRun({ runbook: 'quorum', actor: 'alice' });
      const taskId = await waitingTask(t, id, 'gate');
      // bob twice at once, carol and dan: exactly one of bob's decisions is taken.
      const results = await Promise.allSettled(
        ['bob', 'bob', 'carol', 'dan'].map((who) => t.engine.decide(taskId, who, 'approve', null)),
      );
      const refused = results.filter((r) => r.status === 'rejected');
      expect(refused).toHaveLength(1);
      expect(String((refused[0] as PromiseRejectedResult).reason)).toMatch(/bob has already decided/);
      const run = await t.waitFor(id);
      expect(run.status).toBe('succeeded');
      expect(
        (run.steps.get('gate')!.outputs as Record<string, string>).decided_by!.split(',').sort(),
      ).toEqual(['bob', 'carol', 'dan']);
    } finally {
      await t.stop();
    }
  });

  it('four-eyes is forbidden, a rejection needs a comment unless optional, and a closed task is a conflict', async () => {
    const t = await startTestEngine(ctx().store);
    try {
      await t.engine.applyRunbook(
        yamlRunbook(
          'rules',
          `  steps:
    - id: strict
      approval: { four_eyes: true }
    - id: lenient
      needs: [strict]
      approval: { reject_comment: optional }
`,
        ),
        null,
      );
      const { id } = await t.engine.startRun({ runbook: 'rules', actor: 'alice' });
      const strict = await waitingTask(t, id, 'strict');
      expect(await refusal(t.engine.decide(strict, 'alice', 'approve', null))).toMatchObject({
        code: 'forbidden',
        message: 'four-eyes: the person who started the run cannot approve it',
      });
      expect(await refusal(t.engine.decide(strict, 'bob', 'reject', '   '))).toMatchObject({
        code: 'invalid_input',
        message: 'a rejection needs a comment saying why',
        details: [{ path: 'body.comment', message: 'required when rejecting' }],
      });
      await t.engine.decide(strict, 'bob', 'approve', null);
      await t.waitUntil(
        'the second approval',
        async () => (await t.engine.getRun(id))!.steps.get('lenient')!.status === 'waiting',
      );
      const lenient = (await t.engine.getRun(id))!.steps.get('lenient')!.taskId!;
      await t.engine.decide(lenient, 'carol', 'reject', null);
      expect((await t.waitFor(id)).status).toBe('failed');
      expect(await refusal(t.engine.decide(lenient, 'dan', 'approve', null))).toMatchObject({
        code: 'conflict',
        message: `task ${lenient} is rejected (run ${id} failed): it takes no more decisions`,
      });
    } finally {
      await t.stop();
    }
  });

  it('a passed deadline escalates the task: new assignees, level and deadline on the row, an event in the run', async () => {
    const t = await startTestEngine(ctx().store);
    try {
      await t.engine.applyRunbook(
        yamlRunbook(
          'escalating',
          `  steps:
    - id: gate
      approval:
        approvers: { team: dba }
        timeout: 300ms
        on_timeout: escalate
        escalate: { to: { team: leads }, timeout: 1h }
`,
        ),
        null,
      );
      const { id } = await t.engine.startRun({ runbook: 'escalating', actor: 'alice' });
      const taskId = await waitingTask(t, id, 'gate');
      expect(await findTask(ctx().store.db, taskId)).toMatchObject({ level: 0, assignees: '{"team":"dba"}' });
      await t.waitUntil('the escalation', async () => (await findTask(ctx().store.db, taskId))!.level === 1);
      const task = (await findTask(ctx().store.db, taskId))!;
      expect(JSON.parse(task.assignees!)).toEqual({ team: 'leads' });
      expect(task.deadline! - Date.now()).toBeGreaterThan(3_500_000);
      const escalated = (await listRunEvents(ctx().store.db, id)).find((e) => e.type === 'task.escalated')!;
      expect(JSON.parse(escalated.data!)).toEqual({
        task_id: taskId,
        assignees: { team: 'leads' },
        deadline: task.deadline,
      });
      expect((await t.engine.getRun(id))!.status).toBe('waiting');
    } finally {
      await t.stop();
    }
  });

  it('a manual task takes answers that fit its form; they become outputs the next step uses', async () => {
    const t = await startTestEngine(ctx().store);
    try {
      await t.engine.applyRunbook(
        yamlRunbook(
          'manual',
          `  steps:
    - id: gather
      task:
        title: Give the ticket
        assignees: { team: ops }
        form:
          type: object
          required: [ticket]
          properties:
            ticket: { type: string, pattern: "^CHG-[0-9]+$" }
            hosts: { type: integer, minimum: 1, default: 1 }
    - id: use
      needs: [gather]
      shell: echo seen=\${{ steps.gather.outputs.ticket }}/\${{ steps.gather.outputs.hosts }} >> "$TANDEM_OUTPUTS"
`,
        ),
        null,
      );
      const { id } = await t.engine.startRun({ runbook: 'manual', actor: 'alice' });
      const taskId = await waitingTask(t, id, 'gather');
      const bad = await refusal(t.engine.complete(taskId, 'olga', { ticket: 'x', hosts: 0 }));
      expect(bad.code).toBe('invalid_input');
      expect(bad.details).toEqual(
        expect.arrayContaining([
          { path: 'outputs.ticket', message: 'must match pattern "^CHG-[0-9]+$"' },
          { path: 'outputs.hosts', message: 'must be >= 1' },
        ]),
      );
      expect(await refusal(t.engine.decide(taskId, 'olga', 'approve', null))).toMatchObject({
        code: 'invalid_input',
      });
      await t.engine.claim(taskId, 'olga');
      expect(await refusal(t.engine.complete(taskId, 'pete', { ticket: 'CHG-1' }))).toMatchObject({
        code: 'conflict',
        message: `task ${taskId} is claimed by olga`,
      });
      expect(await refusal(t.engine.assign(taskId, 'olga', { user: 'nobody' }))).toMatchObject({
        code: 'not_found',
      });
      await t.engine.complete(taskId, 'olga', { ticket: 'CHG-42' }, { address: '127.0.0.1' });
      const run = await t.waitFor(id);
      expect(run.status).toBe('succeeded');
      expect(run.steps.get('gather')!.outputs).toEqual({ ticket: 'CHG-42', hosts: '1' });
      expect(run.steps.get('use')!.outputs).toEqual({ seen: 'CHG-42/1' });
      const types = (await listRunEvents(ctx().store.db, id)).map((e) => e.type);
      expect(types).toEqual(expect.arrayContaining(['task.created', 'task.claimed', 'task.completed']));
      const audit = await listAudit(ctx().store.db, { action: 'task.completed' });
      expect(audit.at(-1)).toMatchObject({
        actor: 'olga',
        target: `task:${taskId}`,
        source_address: '127.0.0.1',
      });
      expect(JSON.parse(audit.at(-1)!.data)).toEqual({
        run_id: id,
        step: 'gather',
        fields: ['hosts', 'ticket'],
      });
    } finally {
      await t.stop();
    }
  });

  it('reassigning a manual task to a team replaces its assignees and drops the claim', async () => {
    const t = await startTestEngine(ctx().store, { agent: false });
    try {
      const now = Date.now();
      await ctx()
        .store.db.insertInto('teams')
        .values({ id: uuidv7(), name: 'night-shift', description: null, oidc_group: null, created_at: now })
        .execute();
      await t.engine.applyRunbook(
        yamlRunbook(
          'handoff',
          '  steps:\n    - id: t\n      task: { title: x, assignees: { users: [olga] }, form: { type: object } }\n',
        ),
        null,
      );
      const { id } = await t.engine.startRun({ runbook: 'handoff', actor: 'alice' });
      const taskId = await waitingTask(t, id, 't');
      await t.engine.claim(taskId, 'olga');
      const task = await t.engine.assign(taskId, 'olga', { team: 'night-shift' }, { address: null });
      expect(task).toMatchObject({ claimed_by: null, assignees: '{"team":"night-shift"}' });
      const assigned = (await listRunEvents(ctx().store.db, id)).find((e) => e.type === 'task.assigned')!;
      expect(assigned).toMatchObject({ actor: 'olga', step_key: 't' });
      expect(JSON.parse(assigned.data!)).toEqual({ task_id: taskId, assignees: { team: 'night-shift' } });
      expect((await listAudit(ctx().store.db, { action: 'task.assigned' })).at(-1)).toMatchObject({
        actor: 'olga',
      });
    } finally {
      await t.stop();
    }
  });
});
