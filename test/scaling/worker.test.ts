/**
 * The scaling worker against a real engine on both stores, with an injected clock and measure:
 * one evaluation per policy per tick however many replicas try, runs started with rendered
 * inputs and counted when they end, decisions recorded when they change, a lost lease writes
 * nothing.
 */
import { afterEach, expect, it } from 'vitest';
import { describeEachStore } from '../support/stores.ts';
import { startTestEngine, yamlRunbook, type TestEngine } from '../support/engine.ts';
import { silentLogger } from '../../src/engine/deps.ts';
import { parseScalingPolicy, type Observation } from '../../src/core/scaling/index.ts';
import { runbookHash } from '../../src/core/runbook/index.ts';
import { insertDecision, pruneDecisions } from '../../src/scaling/policy-store.ts';
import {
  applyPolicy,
  evaluatePolicy,
  findPolicy,
  listDecisions,
  LEASE_MS,
  type ScalingWorkerDeps,
} from '../../src/scaling/index.ts';
import { listRuns, uuidv7, type Store } from '../../src/store/index.ts';

// Near the real time: the engine stamps a run's end with the real clock, and the cooldown counts from it.
const T0 = Math.floor(Date.now() / 1000) * 1000;
const S = 1_000;

const policyYaml = (extra = '') => `apiVersion: tandem/v1
kind: ScalingPolicy
metadata: { name: web-burst }
spec:
  prometheus: http://127.0.0.1:9
  query: sum(rate(requests[20s]))
  scale_out_above: 50
  scale_in_below: 10
  for: 10s
  cooldown: 30s
  interval: 5s
  max: 2
  burst_site: cloud-hangzhou
  scale_out:
    runbook: grow
    inputs: { site: "\${{ scaling.burst_site }}", instance: "\${{ scaling.target }}", seen: "\${{ scaling.value }}" }
  scale_in: { runbook: shrink }
${extra}`;

let engine: TestEngine | undefined;
afterEach(async () => {
  await engine?.stop();
  engine = undefined;
});

async function setUp(store: Store, yaml = policyYaml()) {
  engine = await startTestEngine(store);
  const body = `  inputs:\n    site: { type: string }\n    instance: { type: number, default: 0 }\n    seen: { type: number, default: 0 }\n  steps:\n    - id: act\n      log: scaling in \${{ inputs.site }}\n`;
  await engine.engine.applyRunbook(yamlRunbook('grow', body), 'test');
  await engine.engine.applyRunbook(yamlRunbook('shrink', body), 'test');
  // An action that runs until the test is over.
  await engine.engine.applyRunbook(
    yamlRunbook('grow-slowly', `${body.split('  steps:')[0]!}  steps:\n    - id: wait\n      sleep: 1h\n`),
    'test',
  );
  await applyPolicy(store.db, {
    policy: parseScalingPolicy(yaml),
    source: yaml,
    hash: runbookHash(yaml),
    actor: 'test',
    now: T0,
  });
  let now = T0;
  let reading: Observation = { ok: true, value: 0 };
  const replica = (owner: string): ScalingWorkerDeps => ({
    store,
    engine: engine!.engine,
    clock: () => now,
    log: silentLogger,
    owner,
    read: () => Promise.resolve(reading),
  });
  return {
    deps: replica('replica-a'),
    replica,
    /** Move the clock and the measure, then evaluate once. */
    tick: async (t: number, value: number | null, deps = replica('replica-a')) => {
      now = T0 + t;
      reading = value === null ? { ok: false, error: 'no answer' } : { ok: true, value };
      return evaluatePolicy(deps, 'web-burst');
    },
    setNow: (t: number) => (now = T0 + t),
  };
}

describeEachStore('scaling policies', (ctx) => {
  it('are evaluated once per tick however many replicas try', async () => {
    const { store } = ctx();
    const { replica } = await setUp(store);
    const results = await Promise.all(
      ['a', 'b', 'c', 'd'].map((o) => evaluatePolicy(replica(o), 'web-burst')),
    );
    expect(results.filter((r) => r.kind === 'evaluated')).toHaveLength(1);
    expect(results.filter((r) => r.kind === 'not_due')).toHaveLength(3);
    // Not due again until the interval has passed.
    expect(await evaluatePolicy(replica('a'), 'web-burst')).toEqual({ kind: 'not_due' });
    expect((await findPolicy(store.db, 'web-burst'))?.state.nextEvaluationAt).toBe(T0 + 5 * S);
  });

  it('start the scale-out runbook with rendered inputs once the measure held, and count it when it succeeds', async () => {
    const { store } = ctx();
    const { tick } = await setUp(store);
    expect(await tick(0, 80)).toMatchObject({ verdict: { kind: 'hold', reason: 'for_pending' } });
    expect(await tick(5 * S, 90)).toMatchObject({ verdict: { reason: 'for_pending' } });
    const out = await tick(10 * S, 75.5);
    expect(out).toMatchObject({ kind: 'evaluated', verdict: { kind: 'scale_out' } });
    const runId = (out as { runId: string }).runId;
    const runs = await listRuns(store.db, { runbook: 'grow', limit: 10 });
    expect(runs.map((r) => r.id)).toEqual([runId]);
    expect(JSON.parse(runs[0]!.inputs)).toEqual({ site: 'cloud-hangzhou', instance: 1, seen: 75.5 });
    expect(runs[0]!.created_by).toBe('scaling:web-burst');
    expect((await findPolicy(store.db, 'web-burst'))?.state.pending).toEqual({
      action: 'scale_out',
      runId,
      since: T0 + 10 * S,
    });

    await engine!.waitFor(runId);
    // Counted; the condition must now hold `for` again (then the cooldown, from the run's end).
    expect(await tick(15 * S, 90)).toMatchObject({
      settled: 'scaled_out',
      verdict: { reason: 'for_pending' },
    });
    expect(await tick(25 * S, 90)).toMatchObject({ verdict: { reason: 'cooldown' } });
    const state = (await findPolicy(store.db, 'web-burst'))!.state;
    expect(state).toMatchObject({ instances: 1, pending: null });
    const decisions = await listDecisions(store.db, 'web-burst', 10);
    expect(decisions.map((d) => `${d.decision}:${d.reason ?? ''}`)).toEqual([
      'hold:cooldown',
      'hold:for_pending',
      'scaled_out:scale_out',
      'scale_out:above_threshold',
      'hold:for_pending',
    ]);
    // The action's decision says when the threshold was crossed (the first reading above it).
    expect(decisions[3]).toMatchObject({ runId, value: 75.5, details: { condition_since: T0 } });
  });

  it('hold while an action runs and record each verdict once until it changes', async () => {
    const { store } = ctx();
    const { tick } = await setUp(
      store,
      policyYaml().replace('for: 10s', 'for: 0s').replace('runbook: grow', 'runbook: grow-slowly'),
    );
    const out = await tick(0, 80);
    const runId = (out as { runId: string }).runId;
    expect((await engine!.engine.getRun(runId))?.status).not.toBe('succeeded');
    for (let t = 5; t <= 20; t += 5)
      expect(await tick(t * S, 80)).toMatchObject({ verdict: { reason: 'in_progress' } });
    for (let t = 25; t <= 40; t += 5) await tick(t * S, 20);
    const kinds = (await listDecisions(store.db, 'web-burst', 20)).map(
      (d) => `${d.decision}:${d.reason ?? ''}`,
    );
    expect(kinds.filter((k) => k === 'hold:in_progress')).toHaveLength(1);
    expect(kinds[kinds.length - 1]).toBe('scale_out:above_threshold');
  });

  it('record a missing runbook as an error once, and start nothing', async () => {
    const { store } = ctx();
    const { tick } = await setUp(
      store,
      policyYaml().replace('runbook: grow', 'runbook: not-there').replace('for: 10s', 'for: 0s'),
    );
    expect(await tick(0, 80)).toMatchObject({ runId: null, verdict: { kind: 'scale_out' } });
    await tick(5 * S, 80);
    const decisions = await listDecisions(store.db, 'web-burst', 10);
    expect(decisions).toHaveLength(1);
    expect(decisions[0]).toMatchObject({
      decision: 'error',
      reason: 'scale_out',
      details: { runbook: 'not-there', error: expect.stringMatching(/not-there does not exist/) },
    });
    expect((await findPolicy(store.db, 'web-burst'))?.state.pending).toBeNull();
  });

  it('record that the measure could not be read, without acting on it', async () => {
    const { store } = ctx();
    const { tick } = await setUp(store);
    expect(await tick(0, null)).toMatchObject({ verdict: { kind: 'hold', reason: 'no_data' } });
    const [d] = await listDecisions(store.db, 'web-burst', 10);
    expect(d).toMatchObject({
      decision: 'hold',
      reason: 'no_data',
      value: null,
      details: { error: 'no answer' },
    });
    expect((await findPolicy(store.db, 'web-burst'))?.state.lastError).toBe('no answer');
  });

  it('let a replica whose lease expired write nothing; the one that took the policy over decides', async () => {
    const { store } = ctx();
    const { replica, setNow } = await setUp(store, policyYaml().replace('for: 10s', 'for: 0s'));
    // Replica a takes the lease and stalls reading the measure past the lease; b takes over.
    let release!: () => void;
    const stalled = new Promise<void>((r) => (release = r));
    const slow: ScalingWorkerDeps = {
      ...replica('a'),
      read: async () => {
        await stalled;
        return { ok: true, value: 80 };
      },
    };
    const first = evaluatePolicy(slow, 'web-burst');
    await new Promise((r) => setTimeout(r, 50));
    setNow(LEASE_MS + 1);
    const second = await evaluatePolicy(
      { ...replica('b'), read: () => Promise.resolve({ ok: true, value: 80 }) },
      'web-burst',
    );
    expect(second).toMatchObject({ kind: 'evaluated', verdict: { kind: 'scale_out' } });
    release();
    expect(await first).toEqual({ kind: 'lease_lost' });
    expect(await listRuns(store.db, { runbook: 'grow', limit: 10 })).toHaveLength(1);
  });

  it('keep their instances across a change of thresholds, and track the condition afresh', async () => {
    const { store } = ctx();
    const { tick } = await setUp(store, policyYaml().replace('for: 10s', 'for: 0s'));
    const runId = ((await tick(0, 80)) as { runId: string }).runId;
    await engine!.waitFor(runId);
    await tick(5 * S, 80);
    const changed = policyYaml().replace('scale_out_above: 50', 'scale_out_above: 60');
    const applied = await applyPolicy(store.db, {
      policy: parseScalingPolicy(changed),
      source: changed,
      hash: runbookHash(changed),
      actor: 'test',
      now: T0 + 6 * S,
    });
    expect(applied).toEqual({ name: 'web-burst', version: 2, changed: true });
    const p = (await findPolicy(store.db, 'web-burst'))!;
    expect(p.state).toMatchObject({ instances: 1, condition: null, nextEvaluationAt: T0 + 6 * S });
    expect(p.policy.spec.scale_out_above).toBe(60);
  });
  it('keep the newest decisions of a policy when pruned, ties in one millisecond included', async () => {
    const { store } = ctx();
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const id = uuidv7();
      ids.push(id);
      await insertDecision(store.db, {
        id,
        policy: 'p',
        policyVersion: 1,
        decision: 'hold',
        reason: 'within_band',
        value: i,
        instances: 0,
        runId: null,
        details: {},
        createdAt: T0 + Math.floor(i / 2),
      });
    }
    await pruneDecisions(store.db, 'p', 5);
    expect((await listDecisions(store.db, 'p', 100)).map((d) => d.id)).toEqual(ids.slice(7).reverse());
    await pruneDecisions(store.db, 'p', 5);
    expect(await listDecisions(store.db, 'p', 100)).toHaveLength(5);
  });
});
