import type { Draft } from './draft.ts';
import { compensationKey, stepSpec } from './spec-index.ts';

/**
 * Retry a failed run from the failed step: steps that failed, were cancelled or compensated go
 * back to pending with a fresh budget of attempts; what succeeded or was skipped is kept.
 */
export function applyRetry(d: Draft, actor: string | null): string | undefined {
  const run = d.run;
  if (run.status !== 'failed') return 'only a failed run can be retried';
  for (const s of [...run.steps.values()]) {
    if (s.phase === 'compensate') continue;
    const again =
      s.phase === 'finally' ||
      s.status === 'failed' ||
      s.status === 'cancelled' ||
      s.status === 'compensated';
    if (!again) continue;
    const w = d.edit(s.key);
    const spec = stepSpec(run.runbook, s.stepId);
    w.status = 'pending';
    w.maxAttempts = w.attempt + (spec.retry?.attempts ?? 1);
    w.action = null;
    w.startedAt = null;
    w.finishedAt = null;
    w.availableAt = null;
    w.error = null;
    w.outputs = null;
    w.result = null;
    w.completedSeq = null;
    w.taskId = null;
    w.childRunId = null;
    w.concurrencyKey = null;
    w.cancelRequested = false;
    // A foreach step whose items are retried resumes as running over them.
    if (spec.foreach !== undefined && s.index === null && run.steps.has(`${s.stepId}[0]`)) {
      w.status = 'running';
      w.startedAt = d.now;
    }
    if (run.steps.has(compensationKey(s.key))) d.edit(compensationKey(s.key)).status = 'cancelled';
  }
  run.phase = 'main';
  run.outcome = null;
  run.error = null;
  run.outputs = null;
  run.finishedAt = null;
  run.status = 'running';
  d.record('run.retried', { actor });
  if (run.concurrencyKey) {
    const limit = run.runbook.spec.concurrency?.limit ?? 1;
    run.status = 'pending';
    d.emit({ type: 'concurrency.acquire', key: run.concurrencyKey, limit, holder: run.id, stepKey: null });
  }
  return;
}
