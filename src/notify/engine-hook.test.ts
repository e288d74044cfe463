import { describe, expect, it } from 'vitest';
import { Sim } from '../core/engine/test-harness.ts';
import { notificationsOf } from './engine-hook.ts';

const runbook = (steps: string) => `apiVersion: tandem/v1
kind: Runbook
metadata:
  name: failover
  title: Fail a database over
  labels: { team: dba }
spec:
  steps:
${steps}`;

describe('what transitions notify', () => {
  it('an approval step that starts waiting notifies task.created with the task, its deadline and link', () => {
    const sim = new Sim(
      runbook('    - id: approve\n      approval: { message: "Promote the standby?", timeout: 30m }\n'),
    );
    const out = sim.send({ type: 'start' });
    const notes = notificationsOf(out.run, out.effects);
    expect(notes).toHaveLength(1);
    const taskId = sim.state.steps.get('approve')!.taskId!;
    expect(notes[0]).toMatchObject({
      topic: 'task.created',
      payload: {
        path: `/tasks/${taskId}`,
        run: { id: 'run-1', runbook: 'failover', title: 'Fail a database over', labels: { team: 'dba' } },
        task: {
          id: taskId,
          kind: 'approval',
          step: 'approve',
          message: 'Promote the standby?',
          deadline: sim.now + 30 * 60_000,
        },
      },
    });
  });

  it('a run that fails notifies run.failed with its error, and one that succeeds run.succeeded', () => {
    const failing = new Sim(runbook('    - id: a\n      shell: exit 3\n')).start();
    const lease = failing.claim('a');
    const out = failing.report('a', { ok: false, error: 'exit status 3', retryable: false });
    const notes = notificationsOf(out.run, out.effects);
    expect(notes.map((n) => n.topic)).toEqual(['run.failed']);
    expect(notes[0]!.payload).toMatchObject({ path: '/runs/run-1', run: { status: 'failed' } });
    expect(notes[0]!.payload.run!.error).toBeTruthy();
    expect(lease.attempt).toBe(1);

    const ok = new Sim(runbook('    - id: a\n      log: hello\n'));
    const done = ok.send({ type: 'start' });
    expect(notificationsOf(done.run, done.effects).map((n) => n.topic)).toEqual(['run.succeeded']);
  });

  it('a cancelled run and an ordinary step notify nothing', () => {
    const sim = new Sim(
      runbook('    - id: a\n      shell: sleep 1\n    - id: b\n      needs: [a]\n      shell: "true"\n'),
    );
    const started = sim.send({ type: 'start' });
    expect(notificationsOf(started.run, started.effects)).toEqual([]);
    const cancelled = sim.send({ type: 'cancel', actor: 'bob', compensate: false });
    expect(notificationsOf(cancelled.run, cancelled.effects)).toEqual([]);
  });

  it('a recorded escalation notifies task.escalated with the new assignees and deadline', () => {
    const sim = new Sim(
      runbook('    - id: approve\n      approval: { message: "Promote?", timeout: 30m }\n'),
    );
    sim.start();
    const taskId = sim.state.steps.get('approve')!.taskId!;
    const notes = notificationsOf(sim.state, [
      {
        type: 'event',
        event: 'task.escalated',
        key: 'approve',
        data: { task_id: taskId, assignees: { team: 'sre' }, deadline: 5_000_000 },
      },
    ]);
    expect(notes).toEqual([
      {
        topic: 'task.escalated',
        payload: expect.objectContaining({
          path: `/tasks/${taskId}`,
          task: expect.objectContaining({
            id: taskId,
            step: 'approve',
            assignees: { team: 'sre' },
            deadline: 5_000_000,
          }),
        }),
      },
    ]);
  });
});
