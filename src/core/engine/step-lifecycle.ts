import { errorMessage } from '../errors.ts';
import { hasSecretRef } from '../secret-ref.ts';
import { parseDuration } from '../runbook/index.ts';
import { stepBodyKind } from '../runbook/model.ts';
import { retryDelay } from './backoff.ts';
import { expressionContext } from './context.ts';
import type { Draft } from './draft.ts';
import { renderAction, renderWaitUntil, renderWorkflow, renderLog } from './render.ts';
import { startApproval, startManualTask } from './human-tasks.ts';
import { bodyOf, compensatedKey, isItem, stepSpec } from './spec-index.ts';
import { TERMINAL_STEP, type StepOutputs } from './types.ts';

/**
 * Start an admitted step: render what it does and hand it on — to the queue for agents (`ready`),
 * to people (an approval or a manual task), to a timer (sleep, wait_until) or to a child run.
 */
export function startStep(d: Draft, key: string): void {
  const s = d.edit(key);
  const body = bodyOf(d.run.runbook, s);
  s.startedAt ??= d.now;
  s.error = null;
  const kind = stepBodyKind(body);
  try {
    const ctx = expressionContext(d, s);
    switch (kind) {
      case 'shell':
      case 'script':
      case 'http':
      case 'ssh':
      case 'ansible':
      case 'probe': {
        const { action, site, labels } = renderAction(body, ctx);
        s.action = hasSecretRef(JSON.stringify(action))
          ? { ...action, secretNonce: d.secretNonce() }
          : action;
        s.site = site;
        s.labels = labels;
        s.status = 'ready';
        s.availableAt = d.now;
        return;
      }
      case 'log': {
        s.attempt += 1;
        const message = renderLog(body, ctx);
        d.record('step.log', { key, data: { message } });
        succeedStep(d, key, { message }, null);
        return;
      }
      case 'sleep': {
        s.attempt += 1;
        s.status = 'waiting';
        d.emit({
          type: 'timer',
          kind: 'sleep',
          key,
          attempt: s.attempt,
          dueAt: d.now + parseDuration(body.sleep!),
        });
        return;
      }
      case 'wait_until': {
        s.attempt += 1;
        const at = renderWaitUntil(body, ctx);
        if (at <= d.now) return succeedStep(d, key, {}, null);
        s.status = 'waiting';
        d.emit({ type: 'timer', kind: 'wait_until', key, attempt: s.attempt, dueAt: at });
        return;
      }
      case 'approval':
        return startApproval(d, key, body, ctx);
      case 'task':
        return startManualTask(d, key, body, ctx);
      case 'workflow': {
        s.attempt += 1;
        const { runbook, inputs } = renderWorkflow(body, ctx);
        s.childRunId = d.input.newId();
        s.status = 'running';
        d.emit({ type: 'child.start', key, childRunId: s.childRunId, runbook, inputs });
        d.record('step.started', { key, attempt: s.attempt, data: { child_run_id: s.childRunId } });
        return;
      }
    }
  } catch (err: unknown) {
    failStep(d, key, errorMessage(err), false);
  }
}

export function succeedStep(d: Draft, key: string, outputs: StepOutputs, result: unknown): void {
  const s = d.edit(key);
  s.status = 'succeeded';
  s.outputs = outputs;
  s.result = result;
  s.error = null;
  s.finishedAt = d.now;
  s.leaseToken = null;
  s.leaseExpiresAt = null;
  // Derived from the steps, so the run row need not change when a step completes.
  let last = 0;
  for (const x of d.run.steps.values())
    if (x.completedSeq !== null && x.completedSeq > last) last = x.completedSeq;
  s.completedSeq = last + 1;
  d.run.completionSeq = s.completedSeq;
  d.record('step.succeeded', { key, attempt: s.attempt });
  if (s.phase === 'compensate') {
    const undone = d.edit(compensatedKey(key));
    undone.status = 'compensated';
    d.record('step.compensated', { key: undone.key });
  }
  onTerminal(d, key);
}

/**
 * An attempt failed. Try again after the back-off while attempts remain and trying can help;
 * otherwise the step fails, and the run starts failing unless the step may fail.
 */
export function failStep(d: Draft, key: string, error: string, retryable = true): void {
  const s = d.edit(key);
  s.leaseToken = null;
  s.leaseExpiresAt = null;
  s.error = error;
  if (retryable && s.attempt < s.maxAttempts && s.phase !== 'compensate') {
    const spec = stepSpec(d.run.runbook, s.stepId);
    const delay = retryDelay(spec.retry, s.attempt, d.input.random);
    s.status = 'pending';
    s.availableAt = d.now + delay;
    d.record('step.retrying', { key, attempt: s.attempt, data: { error, delay_ms: delay } });
    if (delay > 0) d.emit({ type: 'timer', kind: 'retry', key, attempt: s.attempt, dueAt: s.availableAt });
    return;
  }
  s.status = 'failed';
  s.finishedAt = d.now;
  d.record('step.failed', { key, attempt: s.attempt, data: { error } });
  onTerminal(d, key);
  if (s.phase === 'compensate') {
    d.record('compensation.failed', { key: compensatedKey(key), data: { error } });
    return;
  }
  if (s.phase === 'main' && !isItem(s) && !stepSpec(d.run.runbook, s.stepId).continue_on_error) {
    startFailing(d, `step ${key} failed: ${error}`);
  }
}

/** End a step that will not run (a need failed, the run was cancelled or is failing). */
export function cancelStep(d: Draft, key: string, reason: string): void {
  const s = d.edit(key);
  if (TERMINAL_STEP.has(s.status)) return;
  if (s.taskId && s.status === 'waiting')
    d.emit({ type: 'task.close', taskId: s.taskId, status: 'cancelled' });
  if (s.childRunId && s.status === 'running') d.emit({ type: 'child.cancel', childRunId: s.childRunId });
  if (s.status === 'running' && s.leaseToken) s.cancelRequested = true;
  s.status = 'cancelled';
  s.leaseToken = null;
  s.leaseExpiresAt = null;
  s.finishedAt = d.now;
  s.error = reason;
  d.record('step.cancelled', { key, data: { reason } });
  onTerminal(d, key);
}

/**
 * The main graph will not finish well: no new step starts; what waits for people, timers or
 * queues is cancelled; what runs finishes and is kept.
 */
export function startFailing(d: Draft, reason: string): void {
  const run = d.run;
  if (run.outcome !== null) return;
  run.outcome = 'failed';
  run.error = reason;
  for (const s of [...run.steps.values()]) {
    if (s.phase !== 'main') continue;
    if (s.status === 'pending' || s.status === 'ready' || s.status === 'waiting')
      cancelStep(d, s.key, 'the run is failing');
  }
}

function onTerminal(d: Draft, key: string): void {
  const s = d.get(key)!;
  if (s.concurrencyKey)
    d.emit({ type: 'concurrency.release', key: s.concurrencyKey, holder: `${d.run.id}/${key}` });
}
