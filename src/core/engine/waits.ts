import { failStep, startFailing, succeedStep, cancelStep } from './step-lifecycle.ts';
import type { Draft } from './draft.ts';
import { applyTaskDeadline } from './human-tasks.ts';
import type { EngineEvent } from './types.ts';
import { stepSpec } from './spec-index.ts';

type TimerEvent = Extract<EngineEvent, { type: 'timer' }>;

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
    case 'approval-deadline':
    case 'task-deadline':
    case 'escalation-deadline':
      return applyTaskDeadline(d, event.kind, s);
  }
}
