import { expect, it } from 'vitest';
import { describeEachStore } from '../support/stores.ts';
import { startTestEngine, yamlRunbook } from '../support/engine.ts';

const agent = { id: 'agent-a', site: 'local', labels: [] };

describeEachStore('claims and hand-off', (ctx) => {
  it('a result that makes the next step ready hands it to the same agent in the same transaction', async () => {
    const t = await startTestEngine(ctx().store, { agent: false });
    try {
      await t.engine.applyRunbook(
        yamlRunbook(
          'chain3',
          '  steps:\n    - id: a\n      shell: "true"\n    - id: b\n      needs: [a]\n      shell: "true"\n',
        ),
        null,
      );
      const { id } = await t.engine.startRun({ runbook: 'chain3', actor: null });
      const [first] = await t.agents.claim(agent, 5);
      expect(first).toMatchObject({ runId: id, key: 'a', attempt: 1 });
      const res = await t.agents.complete(agent, [{ ...first!, result: { ok: true } }], 5);
      expect(res.accepted[0]!.accepted).toBe(true);
      expect(res.claimed.map((c) => [c.key, c.attempt])).toEqual([['b', 1]]);
      const run = await t.engine.getRun(id);
      expect(run!.steps.get('b')).toMatchObject({
        status: 'running',
        agent: 'agent-a',
        leaseToken: res.claimed[0]!.leaseToken,
      });
      // Nobody else can take it, and its result is accepted once.
      expect(await t.agents.claim({ ...agent, id: 'agent-b' }, 5)).toEqual([]);
      const done = await t.agents.complete(agent, [{ ...res.claimed[0]!, result: { ok: true } }], 5);
      expect(done.accepted[0]!.accepted).toBe(true);
      expect((await t.waitFor(id)).status).toBe('succeeded');
    } finally {
      await t.stop();
    }
  });

  it('a step is handed only to an agent of its site with its labels', async () => {
    const t = await startTestEngine(ctx().store, { agent: false });
    try {
      await t.engine.applyRunbook(
        yamlRunbook(
          'routed',
          '  steps:\n    - id: a\n      shell: "true"\n    - id: b\n      needs: [a]\n      runs_on: { labels: [gpu] }\n      shell: "true"\n',
        ),
        null,
      );
      const { id } = await t.engine.startRun({ runbook: 'routed', actor: null });
      const [first] = await t.agents.claim(agent, 5);
      const res = await t.agents.complete(agent, [{ ...first!, result: { ok: true } }], 5);
      expect(res.claimed).toEqual([]);
      const [b] = await t.agents.claim({ id: 'gpu-agent', site: 'local', labels: ['gpu'] }, 5);
      expect(b).toMatchObject({ runId: id, key: 'b' });
    } finally {
      await t.stop();
    }
  });

  it('a claimed step whose secret cannot be resolved fails at once, saying why', async () => {
    const t = await startTestEngine(ctx().store, { agent: false });
    try {
      await t.engine.applyRunbook(
        yamlRunbook('needs-secret', '  steps:\n    - id: a\n      shell: echo ${{ secrets.nope }}\n'),
        null,
      );
      const { id } = await t.engine.startRun({ runbook: 'needs-secret', actor: null });
      expect(await t.agents.claim(agent, 5)).toEqual([]);
      const run = await t.waitFor(id);
      expect(run.status).toBe('failed');
      expect(run.steps.get('a')!.error).toMatch(/master key|secret nope/);
    } finally {
      await t.stop();
    }
  });
});

describeEachStore('orphaned leases', (ctx) => {
  it('a step leased to an agent that does not list it in its heartbeat is given back', async () => {
    let now = Date.now() + 1_000;
    const t = await startTestEngine(ctx().store, { agent: false });
    try {
      const { AgentService } = await import('../../src/engine/agent-service.ts');
      const agents = new AgentService({ ...t.deps, clock: () => now, leaseMs: 30_000 });
      await t.engine.applyRunbook(
        yamlRunbook('orphan', '  steps:\n    - id: a\n      shell: "true"\n'),
        null,
      );
      const { id } = await t.engine.startRun({ runbook: 'orphan', actor: null });
      const [lost] = await agents.claim(agent, 1);
      expect(lost).toMatchObject({ runId: id, key: 'a', attempt: 1 });
      // Soon after the claim its answer may still be on the way: nothing is taken back.
      now += 5_000;
      await agents.heartbeat(agent.id, []);
      expect((await t.engine.getRun(id))!.steps.get('a')!.status).toBe('running');
      // Past half a lease, a step left out by two heartbeats in a row is given back (one alone
      // may have been written before the claim's answer arrived), and the late result is refused.
      now += 15_000;
      await agents.heartbeat(agent.id, []);
      expect((await t.engine.getRun(id))!.steps.get('a')!.status).toBe('running');
      now += 1_000;
      await agents.heartbeat(agent.id, []);
      expect((await t.engine.getRun(id))!.steps.get('a')!.status).toBe('ready');
      const late = await agents.complete(agent, [{ ...lost!, result: { ok: true } }], 0);
      expect(late.accepted[0]!.accepted).toBe(false);
      // A step the agent lists is kept.
      const [held] = await agents.claim(agent, 1);
      now += 20_000;
      await agents.heartbeat(agent.id, [held!]);
      await agents.heartbeat(agent.id, [held!]);
      expect((await t.engine.getRun(id))!.steps.get('a')!).toMatchObject({ status: 'running', attempt: 2 });
    } finally {
      await t.stop();
    }
  });
});

describeEachStore('results racing on one run', (ctx) => {
  it('two results of one run accepted at the same moment both count, and the step needing both starts', async () => {
    const t = await startTestEngine(ctx().store, { agent: false });
    try {
      await t.engine.applyRunbook(
        yamlRunbook(
          'join',
          '  steps:\n    - id: a\n      shell: "true"\n    - id: b\n      shell: "true"\n    - id: c\n      needs: [a, b]\n      shell: "true"\n',
        ),
        null,
      );
      for (let i = 0; i < 15; i++) {
        const { id } = await t.engine.startRun({ runbook: 'join', actor: null });
        const claimed = await t.agents.claim(agent, 2);
        expect(claimed.map((c) => c.key).sort()).toEqual(['a', 'b']);
        const other = { ...agent, id: 'agent-b' };
        await t.deps.store.db
          .updateTable('steps')
          .set({ agent: 'agent-b' })
          .where('run_id', '=', id)
          .where('key', '=', 'b')
          .execute();
        const [ra, rb] = await Promise.all(
          claimed.map((c) =>
            t.agents.complete(c.key === 'a' ? agent : other, [{ ...c, result: { ok: true } }], 1),
          ),
        );
        expect([ra!.accepted[0]!.accepted, rb!.accepted[0]!.accepted]).toEqual([true, true]);
        const handed = [...ra!.claimed, ...rb!.claimed].map((c) => c.key);
        const run = await t.engine.getRun(id);
        expect(run!.steps.get('c')!.status === 'running' ? handed : ['c']).toEqual(['c']);
        expect(['ready', 'running']).toContain(run!.steps.get('c')!.status);
        await t.deps.store.db
          .updateTable('steps')
          .set({ status: 'cancelled' })
          .where('run_id', '=', id)
          .where('key', '=', 'c')
          .execute();
      }
    } finally {
      await t.stop();
    }
  });
});
