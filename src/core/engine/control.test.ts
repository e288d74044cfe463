import { describe, expect, it } from 'vitest';
import type { Decision } from './types.ts';
import { runbook, Sim } from './test-harness.ts';

const approval = (extra = '') =>
  runbook(
    `    - id: approve
      approval:
        quorum: 2
        message: "Promote \${{ inputs.db }}?"
${extra}    - id: promote
      needs: [approve]
      shell: echo promote
`,
    `  inputs:
    db: { type: string, default: main }
`,
  );

function decide(
  sim: Sim,
  actor: string,
  decision: Decision['decision'],
  prior: Decision[] = [],
  comment: string | null = null,
) {
  return sim.send({
    type: 'decision',
    key: 'approve',
    taskId: sim.task('approve'),
    decision: { actor, decision, comment },
    decisions: prior,
  });
}

describe('approvals', () => {
  it('an approval waits for its quorum of distinct approvers, then the run goes on', () => {
    const sim = new Sim(approval()).start();
    expect(sim.status('approve')).toBe('waiting');
    expect(sim.state.status).toBe('waiting');
    const created = sim.effects.find((e) => e.type === 'task.create');
    expect(created).toMatchObject({ kind: 'approval', spec: { quorum: 2, message: 'Promote main?' } });
    expect(decide(sim, 'bob', 'approve').refused).toBeUndefined();
    expect(sim.status('approve')).toBe('waiting');
    const bob: Decision = { actor: 'bob', decision: 'approve', comment: null };
    expect(decide(sim, 'bob', 'approve', [bob]).refused).toMatch(/already decided/);
    decide(sim, 'carol', 'approve', [bob], 'ok');
    expect(sim.state.steps.get('approve')).toMatchObject({
      status: 'succeeded',
      outputs: { decision: 'approved', decided_by: 'bob,carol', comment: 'ok' },
    });
    expect(sim.ready()).toEqual(['promote']);
  });

  it('a rejection fails the step and the run', () => {
    const sim = new Sim(approval()).start();
    decide(sim, 'bob', 'reject', [], 'not now');
    expect(sim.state.steps.get('approve')).toMatchObject({
      status: 'failed',
      error: 'rejected by bob: not now',
    });
    expect(sim.status('promote')).toBe('cancelled');
    expect(sim.state.status).toBe('failed');
  });

  it('with four_eyes the person who started the run cannot approve it', () => {
    const sim = new Sim(approval('        four_eyes: true\n'), {}, 'alice').start();
    expect(decide(sim, 'alice', 'approve').refused).toMatch(/four-eyes/);
  });

  it('a deadline applies on_timeout', () => {
    for (const [onTimeout, status] of [
      ['approve', 'succeeded'],
      ['reject', 'failed'],
      ['fail', 'failed'],
    ] as const) {
      const sim = new Sim(approval(`        timeout: 30m\n        on_timeout: ${onTimeout}\n`)).start();
      const timer = sim.timers().find((t) => t.kind === 'approval-deadline')!;
      expect(timer.dueAt).toBe(sim.now + 30 * 60_000);
      sim.now = timer.dueAt;
      sim.send({ type: 'timer', kind: 'approval-deadline', key: 'approve', attempt: 1 });
      expect(sim.status('approve')).toBe(status);
    }
  });
});

describe('pause, cancel and retry', () => {
  const chain = runbook(`    - id: a
      shell: echo a
    - id: b
      needs: [a]
      shell: echo b
`);

  it('a paused run lets running steps finish but starts nothing until resumed', () => {
    const sim = new Sim(chain).start();
    sim.claim('a');
    sim.send({ type: 'pause', actor: 'bob' });
    expect(sim.state.status).toBe('paused');
    sim.report('a', { ok: true });
    expect(sim.status('a')).toBe('succeeded');
    expect(sim.status('b')).toBe('pending');
    expect(sim.state.status).toBe('paused');
    sim.send({ type: 'resume', actor: 'bob' });
    expect(sim.ready()).toEqual(['b']);
    expect(sim.state.status).toBe('running');
  });

  it('pausing takes ready steps back from the queue', () => {
    const sim = new Sim(chain).start();
    expect(sim.ready()).toEqual(['a']);
    sim.send({ type: 'pause', actor: null });
    expect(sim.status('a')).toBe('pending');
    sim.send({ type: 'resume', actor: null });
    expect(sim.ready()).toEqual(['a']);
  });

  it('cancel ends every step left, asks running ones to stop, and does not compensate', () => {
    const sim = new Sim(
      runbook(`    - id: a
      shell: echo a
      compensate: { shell: echo undo }
    - id: b
      needs: [a]
      shell: sleep 100
`),
    ).start();
    sim.run('a');
    sim.claim('b');
    sim.send({ type: 'cancel', actor: 'bob', compensate: false });
    expect(sim.state.steps.get('b')).toMatchObject({
      status: 'cancelled',
      cancelRequested: true,
      leaseToken: null,
    });
    expect(sim.status('a')).toBe('succeeded');
    expect(sim.state.status).toBe('cancelled');
    expect(sim.send({ type: 'cancel', actor: 'bob', compensate: false }).refused).toMatch(/finished/);
  });

  it('cancel with compensate undoes what succeeded', () => {
    const sim = new Sim(
      runbook(`    - id: a
      shell: echo a
      compensate: { shell: echo undo }
    - id: b
      needs: [a]
      shell: sleep 100
`),
    ).start();
    sim.run('a');
    sim.send({ type: 'cancel', actor: 'bob', compensate: true });
    expect(sim.ready()).toEqual(['a~compensate']);
    sim.run('a~compensate');
    expect(sim.status('a')).toBe('compensated');
    expect(sim.state.status).toBe('cancelled');
  });

  it('a failed run is retried from the failed step, keeping what succeeded', () => {
    const sim = new Sim(
      runbook(`    - id: a
      shell: echo a
    - id: b
      needs: [a]
      shell: exit 1
    - id: c
      needs: [b]
      shell: echo c
`),
    ).start();
    sim.run('a', { v: '1' });
    sim.fail('b');
    expect(sim.state.status).toBe('failed');
    expect(sim.send({ type: 'retry', actor: 'bob' }).refused).toBeUndefined();
    expect(sim.state.status).toBe('running');
    expect(sim.status('a')).toBe('succeeded');
    expect(sim.ready()).toEqual(['b']);
    sim.run('b');
    expect(sim.state.steps.get('b')!.attempt).toBe(2);
    sim.run('c');
    expect(sim.state.status).toBe('succeeded');
  });
});

describe('waiting: concurrency, sleep and child runs', () => {
  it('a run with a concurrency key waits pending until the key is granted', () => {
    const sim = new Sim(
      runbook(
        `    - id: a
      shell: echo a
`,
        `  inputs:
    service: { type: string, required: true }
  concurrency: { key: "failover-\${{ inputs.service }}", limit: 1 }
`,
      ),
      { service: 'pg' },
    ).start();
    expect(sim.state.status).toBe('pending');
    expect(sim.effects.find((e) => e.type === 'concurrency.acquire')).toMatchObject({
      key: 'failover-pg',
      holder: 'run-1',
    });
    expect(sim.ready()).toEqual([]);
    sim.send({ type: 'concurrency.granted', key: null });
    expect(sim.ready()).toEqual(['a']);
    sim.run('a');
    expect(sim.effects.at(-1)).toMatchObject({
      type: 'concurrency.release',
      key: 'failover-pg',
      holder: 'run-1',
    });
  });

  it('a step with a concurrency key is waiting until granted and releases it when done', () => {
    const sim = new Sim(
      runbook(`    - id: a
      concurrency: { key: db, limit: 1 }
      shell: echo a
`),
    ).start();
    expect(sim.status('a')).toBe('waiting');
    sim.send({ type: 'concurrency.granted', key: 'a' });
    sim.run('a');
    expect(sim.effects.some((e) => e.type === 'concurrency.release' && e.holder === 'run-1/a')).toBe(true);
  });

  it('sleep waits on a durable timer', () => {
    const sim = new Sim(
      runbook(`    - id: nap
      sleep: 30s
`),
    ).start();
    expect(sim.status('nap')).toBe('waiting');
    expect(sim.timers()[0]).toMatchObject({ kind: 'sleep', dueAt: sim.now + 30_000 });
    sim.now += 30_000;
    sim.send({ type: 'timer', kind: 'sleep', key: 'nap', attempt: 1 });
    expect(sim.state.status).toBe('succeeded');
  });

  it('wait_until in the past completes at once', () => {
    const sim = new Sim(
      runbook(`    - id: w
      wait_until: "2000-01-01T00:00:00Z"
`),
    );
    sim.now = Date.parse('2026-11-25T00:00:00Z');
    sim.start();
    expect(sim.state.status).toBe('succeeded');
  });

  it('a workflow step starts a child run and takes its outputs', () => {
    const sim = new Sim(
      runbook(`    - id: child
      workflow: { runbook: other, inputs: { n: "\${{ 1 + 1 }}" } }
`),
    ).start();
    const start = sim.effects.find((e) => e.type === 'child.start');
    expect(start).toMatchObject({ runbook: 'other', inputs: { n: 2 } });
    const childRunId = sim.state.steps.get('child')!.childRunId!;
    sim.send({
      type: 'child.finished',
      key: 'child',
      childRunId,
      status: 'succeeded',
      outputs: { x: 5 },
      error: null,
    });
    expect(sim.state.steps.get('child')!.outputs).toEqual({ x: '5' });
    expect(sim.state.status).toBe('succeeded');
  });
});
