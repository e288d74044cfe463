import { describe, expect, it } from 'vitest';
import { retryDelay } from './backoff.ts';
import { runbook, Sim } from './test-harness.ts';

describe('attempts, retries and leases', () => {
  it('a failed attempt is retried after an exponential back-off until attempts are spent', () => {
    const sim = new Sim(
      runbook(`    - id: flaky
      retry: { attempts: 3, backoff: exponential, initial: 2s }
      shell: exit 1
`),
    ).start();
    sim.fail('flaky');
    expect(sim.status('flaky')).toBe('pending');
    const first = sim.timers().at(-1)!;
    expect(first).toMatchObject({ kind: 'retry', key: 'flaky', attempt: 1, dueAt: sim.now + 2000 });
    sim.now += 2000;
    sim.send({ type: 'timer', kind: 'retry', key: 'flaky', attempt: 1 });
    expect(sim.status('flaky')).toBe('ready');
    sim.fail('flaky');
    expect(sim.timers().at(-1)).toMatchObject({ attempt: 2, dueAt: sim.now + 4000 });
    sim.now += 4000;
    sim.send({ type: 'timer', kind: 'retry', key: 'flaky', attempt: 2 });
    sim.fail('flaky', 'still broken');
    expect(sim.state.steps.get('flaky')).toMatchObject({
      status: 'failed',
      attempt: 3,
      error: 'still broken',
    });
    expect(sim.state.status).toBe('failed');
  });

  it('back-off is constant or exponential, capped by max, with optional jitter', () => {
    const base = { attempts: 5, initial: '1s', max: '5s', jitter: false } as const;
    expect(retryDelay({ ...base, backoff: 'constant' }, 3, Math.random)).toBe(1000);
    expect([1, 2, 3, 4].map((n) => retryDelay({ ...base, backoff: 'exponential' }, n, Math.random))).toEqual([
      1000, 2000, 4000, 5000,
    ]);
    expect(retryDelay({ ...base, backoff: 'exponential', jitter: true }, 2, () => 0)).toBe(1000);
    expect(retryDelay({ ...base, backoff: 'exponential', jitter: true }, 2, () => 1)).toBe(2000);
  });

  it('a late result from an expired lease is refused', () => {
    const sim = new Sim(
      runbook(`    - id: a
      retry: { attempts: 2, initial: 0s }
      shell: echo a
`),
    ).start();
    const old = sim.claim('a');
    sim.send({ type: 'lease.expired', key: 'a', attempt: 1 });
    expect(sim.status('a')).toBe('ready');
    expect(sim.state.steps.get('a')!.maxAttempts).toBe(3);
    sim.claim('a');
    const late = sim.send({
      type: 'step.result',
      key: 'a',
      attempt: 1,
      leaseToken: old.leaseToken,
      result: { ok: true },
    });
    expect(late.refused).toMatch(/no longer holds its lease/);
    expect(sim.status('a')).toBe('running');
    expect(sim.state.steps.get('a')!.attempt).toBe(2);
  });

  it('a duplicate result of the current attempt is accepted only once', () => {
    const sim = new Sim(
      runbook(`    - id: a
      shell: echo a
    - id: b
      needs: [a]
      shell: echo b
`),
    ).start();
    const lease = sim.claim('a');
    const event = {
      type: 'step.result',
      key: 'a',
      attempt: 1,
      leaseToken: lease.leaseToken,
      result: { ok: true },
    } as const;
    expect(sim.send(event).refused).toBeUndefined();
    expect(sim.send(event).refused).toBeDefined();
    expect(sim.events().filter((e) => e === 'step.succeeded a')).toHaveLength(1);
  });

  it('an attempt lost to an expired lease is tried again, but not forever', () => {
    const sim = new Sim(
      runbook(`    - id: a
      shell: echo a
`),
    ).start();
    for (let i = 1; i <= 3; i++) {
      sim.claim('a');
      sim.send({ type: 'lease.expired', key: 'a', attempt: i });
      expect(sim.status('a')).toBe('ready');
    }
    sim.claim('a');
    sim.send({ type: 'lease.expired', key: 'a', attempt: 4 });
    expect(sim.state.steps.get('a')!.error).toMatch(/lease expired: agent agent-1/);
    expect(sim.state.status).toBe('failed');
  });

  it('a timed out attempt is failed by the server and retried', () => {
    const sim = new Sim(
      runbook(`    - id: a
      timeout: 5s
      retry: { attempts: 2, initial: 0s }
      shell: sleep 100
`),
    ).start();
    expect(sim.state.steps.get('a')!.action).toMatchObject({ timeoutMs: 5000, killGraceMs: 10000 });
    sim.claim('a');
    sim.send({ type: 'timer', kind: 'step-timeout', key: 'a', attempt: 1 });
    expect(sim.state.steps.get('a')).toMatchObject({ status: 'ready', error: 'timed out after 5s' });
  });

  it('a stale timer of an older attempt is ignored', () => {
    const sim = new Sim(
      runbook(`    - id: a
      timeout: 5s
      shell: sleep 100
`),
    ).start();
    sim.claim('a');
    expect(sim.send({ type: 'timer', kind: 'step-timeout', key: 'a', attempt: 7 }).refused).toBe(
      'stale timer',
    );
    expect(sim.status('a')).toBe('running');
  });
});

describe('run timeout', () => {
  it('a run past its timeout stops what runs, fails, and still runs finally', () => {
    const sim = new Sim(
      runbook(
        `    - id: a
      shell: sleep 100
`,
        `  timeout: 1m
  finally:
    - id: tell
      log: "\${{ run.status }}"
`,
      ),
    ).start();
    expect(sim.timers()[0]).toMatchObject({ kind: 'run-timeout', dueAt: sim.now + 60_000 });
    sim.claim('a');
    sim.now += 60_000;
    sim.send({ type: 'timer', kind: 'run-timeout', key: null, attempt: null });
    expect(sim.state.steps.get('a')).toMatchObject({ status: 'cancelled', cancelRequested: true });
    expect(sim.state.steps.get('tell')!.outputs).toEqual({ message: 'failed' });
    expect(sim.state).toMatchObject({ status: 'failed', error: 'the run timed out' });
  });
});
