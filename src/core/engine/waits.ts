import { failStep, startFailing, succeedStep, cancelStep } from './step-lifecycle.ts';
import type { Draft } from './draft.ts';
import type { RenderedApproval } from './render.ts';
import type { EngineEvent } from './types.ts';
import { stepSpec } from './spec-index.ts';

type TimerEvent = Extract<EngineEvent, { type: 'timer' }>;
type DecisionEvent = Extract<EngineEvent, { type: 'decision' }>;

/** A durable timer came due. Timers are never cancelled: a stale one finds its step moved on. */
export function applyTimer(d: Draft, event: TimerEvent): string | undefined {
  const run = d.run;
  if (event.kind === 'run-timeout') {
    if (run.phase !== 'main' || run.outcome !== null) return 'the run is past its main graph';
    d.record('run.timed_out');
    for (const s of [...run.steps.values()])
      if (s.phase === 'main') cancelStep(d, s.key, 'the run timed out');
    startFailing(d, 'the run timed out');
    if (run.status === 'paused') run.status = 'running';
    return;
  }
  const key = event.key ?? '';
  const s = d.get(key);
  if (!s || s.attempt !== event.attempt) return 'stale timer';
  switch (event.kind) {
    case 'retry':
      return s.status === 'pending' ? undefined : 'stale timer';
    case 'sleep':
    case 'wait_until':
      if (s.status !== 'waiting') return 'stale timer';
      succeedStep(d, key, {}, null);
      return;
    case 'step-timeout': {
      if (s.status !== 'running') return 'stale timer';
      const w = d.edit(key);
      w.cancelRequested = true;
      const timeout = stepSpec(run.runbook, s.stepId).timeout ?? '';
      d.record('step.timed_out', { key, attempt: s.attempt });
      failStep(d, key, `timed out after ${timeout}`, true);
      return;
    }
    case 'approval-deadline': {
      if (s.status !== 'waiting' || !s.taskId) return 'stale timer';
      const onTimeout = stepSpec(run.runbook, s.stepId).approval?.on_timeout ?? 'reject';
      d.record('approval.timed_out', { key, data: { on_timeout: onTimeout } });
      if (onTimeout === 'approve') {
        d.emit({ type: 'task.close', taskId: s.taskId, status: 'approved' });
        succeedStep(d, key, { decision: 'approved', decided_by: 'deadline', comment: '' }, null);
      } else {
        d.emit({ type: 'task.close', taskId: s.taskId, status: 'expired' });
        const w = d.edit(key);
        w.outputs = { decision: 'rejected', decided_by: 'deadline', comment: '' };
        failStep(
          d,
          key,
          onTimeout === 'fail' ? 'the approval deadline passed' : 'rejected: the deadline passed',
          false,
        );
      }
      return;
    }
  }
}

/** A person decided on an approval; the quorum counts distinct approvers. */
export function applyDecision(d: Draft, event: DecisionEvent): string | undefined {
  const s = d.get(event.key);
  if (s?.status !== 'waiting' || s.taskId !== event.taskId) return 'the task is no longer open';
  const spec = stepSpec(d.run.runbook, s.stepId).approval;
  if (!spec) return 'the step is not an approval';
  const { actor, decision, comment } = event.decision;
  if (spec.four_eyes && actor === d.run.createdBy)
    return 'four-eyes: the person who started the run cannot approve it';
  if (event.decisions.some((x) => x.actor === actor)) return `${actor} has already decided on this task`;
  d.record('task.decided', { key: event.key, actor, data: { task_id: event.taskId, decision, comment } });
  if (decision === 'reject') {
    d.emit({ type: 'task.close', taskId: event.taskId, status: 'rejected' });
    const w = d.edit(event.key);
    w.outputs = { decision: 'rejected', decided_by: actor, comment: comment ?? '' };
    failStep(d, event.key, `rejected by ${actor}${comment ? `: ${comment}` : ''}`, false);
    return;
  }
  const approvers = [...event.decisions.filter((x) => x.decision === 'approve').map((x) => x.actor), actor];
  if (approvers.length < (spec as RenderedApproval).quorum) return;
  d.emit({ type: 'task.close', taskId: event.taskId, status: 'approved' });
  succeedStep(
    d,
    event.key,
    { decision: 'approved', decided_by: approvers.join(','), comment: comment ?? '' },
    null,
  );
  return;
}
