import { describe, expect, it } from 'vitest';
import type { Decision, Effect } from './types.ts';
import { runbook, Sim } from './test-harness.ts';

const decide = (
  sim: Sim,
  key: string,
  actor: string,
  decision: Decision['decision'],
  prior: Decision[] = [],
) =>
  sim.send({
    type: 'decision',
    key,
    taskId: sim.task(key),
    decision: { actor, decision, comment: decision === 'reject' ? 'no' : null },
    decisions: prior,
  });

const approve = (actor: string): Decision => ({ actor, decision: 'approve', comment: null });

const ofType = <T extends Effect['type']>(sim: Sim, type: T) =>
  sim.effects.filter((e): e is Extract<Effect, { type: T }> => e.type === type);

const deadline = (
  sim: Sim,
  kind: 'approval-deadline' | 'task-deadline' | 'escalation-deadline',
  key: string,
) => {
  const timer = sim.timers().find((t) => t.kind === kind && t.key === key);
  if (!timer) throw new Error(`no ${kind} timer for ${key}`);
  sim.now = timer.dueAt;
  return sim.send({ type: 'timer', kind, key, attempt: timer.attempt });
};

describe('approvals: who may approve', () => {
  const twoSteps = runbook(`    - id: first
      approval: { approvers: { team: dba } }
    - id: second
      needs: [first]
      approval:
        approvers: { team: dba }
        four_eyes: true
        distinct_from: [first]
        message: "Second look, \${{ run.created_by }}?"
`);

  it('opens a task naming its approvers, message and who is excluded', () => {
    const sim = new Sim(twoSteps, {}, 'alice').start();
    decide(sim, 'first', 'bob', 'approve');
    const created = ofType(sim, 'task.create').find((e) => e.key === 'second')!;
    expect(created).toMatchObject({
      kind: 'approval',
      title: 'Second look, alice?',
      assignees: { team: 'dba' },
      spec: { quorum: 1, four_eyes: true, excluded: ['alice', 'bob'], reject_comment: 'required' },
    });
  });

  it('four-eyes and distinct_from refuse an approval as forbidden, naming the reason', () => {
    const sim = new Sim(twoSteps, {}, 'alice').start();
    decide(sim, 'first', 'bob', 'approve');
    const starter = decide(sim, 'second', 'alice', 'approve');
    expect(starter).toMatchObject({ forbidden: true, refused: expect.stringMatching(/^four-eyes/) });
    const earlier = decide(sim, 'second', 'bob', 'approve');
    expect(earlier).toMatchObject({
      forbidden: true,
      refused: 'bob approved step first; this approval must come from someone else (distinct_from)',
    });
    expect(decide(sim, 'second', 'carol', 'approve').refused).toBeUndefined();
    expect(sim.state.status).toBe('succeeded');
  });

  it('a second decision by the same person is a conflict, not a forbidden act', () => {
    const sim = new Sim(
      runbook(`    - id: a
      approval: { quorum: 2 }
`),
    ).start();
    decide(sim, 'a', 'bob', 'approve');
    const again = decide(sim, 'a', 'bob', 'approve', [approve('bob')]);
    expect(again.refused).toMatch(/already decided/);
    expect(again.forbidden).toBeUndefined();
  });

  it('the person who started the run may still reject it under four-eyes', () => {
    const sim = new Sim(
      runbook(`    - id: a
      approval: { four_eyes: true }
`),
      {},
      'alice',
    ).start();
    expect(decide(sim, 'a', 'alice', 'reject').refused).toBeUndefined();
    expect(sim.state.status).toBe('failed');
  });
});

describe('approvals: deadlines and escalation', () => {
  const escalating = (onTimeout: string) =>
    runbook(`    - id: gate
      approval:
        approvers: { team: dba }
        quorum: 2
        timeout: 2s
        on_timeout: escalate
        escalate: { to: { team: leads }, timeout: 10s, on_timeout: ${onTimeout} }
    - id: after
      needs: [gate]
      shell: echo go
`);

  it('the deadline moves the task to the other group with a new deadline; earlier approvals still count', () => {
    const sim = new Sim(escalating('reject')).start();
    decide(sim, 'gate', 'dan', 'approve');
    const start = sim.now;
    expect(deadline(sim, 'approval-deadline', 'gate').refused).toBeUndefined();
    expect(sim.status('gate')).toBe('waiting');
    const due = start + 2_000 + 10_000;
    expect(ofType(sim, 'task.escalate')).toEqual([
      {
        type: 'task.escalate',
        taskId: sim.task('gate'),
        assignees: { team: 'leads' },
        deadline: due,
        level: 1,
      },
    ]);
    expect(sim.timers().find((t) => t.kind === 'escalation-deadline')).toMatchObject({
      key: 'gate',
      dueAt: due,
    });
    expect(sim.effects).toContainEqual({
      type: 'event',
      event: 'task.escalated',
      key: 'gate',
      data: { task_id: sim.task('gate'), assignees: { team: 'leads' }, deadline: due },
    });
    decide(sim, 'gate', 'lee', 'approve', [approve('dan')]);
    expect(sim.state.steps.get('gate')!.outputs).toMatchObject({
      decision: 'approved',
      decided_by: 'dan,lee',
    });
    expect(sim.ready()).toEqual(['after']);
  });

  it('when the escalated deadline passes too, its own on_timeout applies', () => {
    for (const [onTimeout, status, error] of [
      ['reject', 'failed', 'rejected: the deadline passed'],
      ['fail', 'failed', 'the approval deadline passed'],
      ['approve', 'succeeded', null],
    ] as const) {
      const sim = new Sim(escalating(onTimeout)).start();
      deadline(sim, 'approval-deadline', 'gate');
      deadline(sim, 'escalation-deadline', 'gate');
      expect(sim.state.steps.get('gate')).toMatchObject({ status, error });
      expect(ofType(sim, 'task.close').at(-1)!.status).toBe(onTimeout === 'approve' ? 'approved' : 'expired');
    }
  });

  it('a deadline of an earlier attempt or a closed task is stale', () => {
    const sim = new Sim(escalating('reject')).start();
    decide(sim, 'gate', 'dan', 'approve');
    decide(sim, 'gate', 'eve', 'approve', [approve('dan')]);
    expect(sim.status('gate')).toBe('succeeded');
    expect(deadline(sim, 'approval-deadline', 'gate').refused).toBe('stale timer');
    expect(sim.send({ type: 'timer', kind: 'escalation-deadline', key: 'gate', attempt: 7 }).refused).toBe(
      'stale timer',
    );
  });
});

describe('manual tasks', () => {
  const manual = (extra = '') =>
    runbook(
      `    - id: gather
      task:
        title: "Open a change ticket for \${{ inputs.service }}"
        description: Use the CAB template.
        assignees: { team: ops }
        form:
          type: object
          required: [ticket]
          properties:
            ticket: { type: string }
            hosts: { type: integer }
${extra}    - id: use
      needs: [gather]
      shell: echo \${{ steps.gather.outputs.ticket }} \${{ steps.gather.outputs.hosts }}
`,
      `  inputs:
    service: { type: string, default: billing }
`,
    );

  const complete = (sim: Sim, answers: Record<string, unknown>) =>
    sim.send({ type: 'task.complete', key: 'gather', taskId: sim.task('gather'), actor: 'olga', answers });

  it('opens a task with the rendered title and its form', () => {
    const sim = new Sim(manual()).start();
    expect(sim.status('gather')).toBe('waiting');
    expect(ofType(sim, 'task.create')[0]).toMatchObject({
      kind: 'task',
      title: 'Open a change ticket for billing',
      assignees: { team: 'ops' },
      deadline: null,
      spec: { description: 'Use the CAB template.', form: { required: ['ticket'] } },
    });
  });

  it('answers become the step outputs as text, and the next step uses them', () => {
    const sim = new Sim(manual()).start();
    expect(complete(sim, { ticket: 'CHG-7', hosts: 3 }).refused).toBeUndefined();
    expect(sim.state.steps.get('gather')).toMatchObject({
      status: 'succeeded',
      outputs: { ticket: 'CHG-7', hosts: '3' },
      result: { answers: { ticket: 'CHG-7', hosts: 3 } },
    });
    expect(sim.events()).toContain('task.completed gather');
    expect(ofType(sim, 'task.close')).toEqual([
      { type: 'task.close', taskId: sim.task('gather'), status: 'completed' },
    ]);
    const use = sim.state.steps.get('use')!;
    expect(use.action).toMatchObject({ kind: 'shell', command: "echo 'CHG-7' '3'" });
  });

  it("the step's outputs: may compute more from the answers", () => {
    const sim = new Sim(
      manual(`      outputs: { summary: "\${{ result.ticket }} on \${{ result.hosts }} hosts" }\n`),
    ).start();
    complete(sim, { ticket: 'CHG-8', hosts: 2 });
    expect(sim.state.steps.get('gather')!.outputs).toEqual({
      ticket: 'CHG-8',
      hosts: '2',
      summary: 'CHG-8 on 2 hosts',
    });
  });

  it('a completed task takes no second completion, and an approval takes none', () => {
    const sim = new Sim(manual()).start();
    const taskId = sim.task('gather');
    complete(sim, { ticket: 'CHG-1' });
    expect(
      sim.send({ type: 'task.complete', key: 'gather', taskId, actor: 'olga', answers: { ticket: 'x' } })
        .refused,
    ).toBe('the task is no longer open');
    const gate = new Sim(runbook('    - id: a\n      approval: {}\n')).start();
    const refused = gate.send({
      type: 'task.complete',
      key: 'a',
      taskId: gate.task('a'),
      actor: 'o',
      answers: {},
    });
    expect(refused.refused).toBe('the step is not a manual task');
  });

  it('a deadline fails the task, or escalates it first', () => {
    const failing = new Sim(manual('        timeout: 1h\n')).start();
    deadline(failing, 'task-deadline', 'gather');
    expect(failing.state.steps.get('gather')).toMatchObject({
      status: 'failed',
      error: 'the task deadline passed',
    });
    expect(failing.status('use')).toBe('cancelled');
    const timed = new Sim(
      runbook(`    - id: t
      task:
        title: do it
        assignees: { users: [olga] }
        form: { type: object }
        timeout: 1h
        on_timeout: escalate
        escalate: { to: { team: ops }, timeout: 2h }
`),
    ).start();
    deadline(timed, 'task-deadline', 't');
    expect(timed.status('t')).toBe('waiting');
    expect(ofType(timed, 'task.escalate')[0]).toMatchObject({ assignees: { team: 'ops' }, level: 1 });
    deadline(timed, 'escalation-deadline', 't');
    expect(timed.state.steps.get('t')).toMatchObject({ status: 'failed', error: 'the task deadline passed' });
    expect(timed.events()).toContain('task.timed_out t');
  });
});
