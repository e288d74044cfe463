import { errorMessage } from '../errors.ts';
import { renderTemplate } from '../expr/index.ts';
import { parseDuration } from '../runbook/index.ts';
import { advance } from './advance.ts';
import { expressionContext } from './context.ts';
import { Draft, newStep } from './draft.ts';
import { applyTimer } from './waits.ts';
import { applyCompletion, applyDecision } from './human-tasks.ts';
import { specIndex, stepSpec } from './spec-index.ts';
import { cancelStep, failStep, startStep, succeedStep } from './step-lifecycle.ts';
import { applyRetry } from './retry-run.ts';
import type { EngineEvent, RunState, StepResult, TransitionInput, TransitionOutcome } from './types.ts';
import { assertNever } from '../errors.ts';
import { MAX_OUTPUT_BYTES } from './limits.ts';

/** Attempts lost to an expired lease that are tried again beyond `retry.attempts`. */
export const LOST_LEASE_RETRIES = 3;

export { MAX_OUTPUT_BYTES } from './limits.ts';

/**
 * The engine's one decision function: given a run, an event and the time, the new run and the
 * effects to perform. It does no I/O; the shell applies the outcome in one transaction.
 */
export function transition(state: RunState, event: EngineEvent, input: TransitionInput): TransitionOutcome {
  const d = new Draft(state, input);
  const refused = apply(d, event);
  if (refused === undefined) {
    advance(d);
    settleStatus(d);
  }
  return {
    run: d.run,
    changed: d.changed,
    effects: d.effects,
    ...(refused === undefined ? {} : { refused }),
    ...(refused !== undefined && d.forbidden ? { forbidden: true } : {}),
  };
}

/** Applies the event; returns why it was refused, if it was. */
function apply(d: Draft, event: EngineEvent): string | undefined {
  const run = d.run;
  switch (event.type) {
    case 'start':
      return start(d);
    case 'concurrency.granted': {
      if (event.key === null) {
        if (run.status !== 'pending') return 'the run is not waiting for its concurrency key';
        run.status = 'running';
        run.startedAt = d.now;
        d.record('run.started');
        return;
      }
      const s = d.get(event.key);
      if (s?.status !== 'waiting' || !s.concurrencyKey) return `step ${event.key} is not waiting for a key`;
      d.record('concurrency.granted', { key: event.key, data: { concurrency_key: s.concurrencyKey } });
      startStep(d, event.key);
      return;
    }
    case 'step.result': {
      const s = d.get(event.key);
      if (!s) return `no step ${event.key}`;
      if (s.status !== 'running' || s.attempt !== event.attempt || s.leaseToken !== event.leaseToken)
        return `step ${event.key} attempt ${event.attempt} no longer holds its lease`;
      if (event.agent !== undefined && s.agent !== event.agent)
        return `step ${event.key} is not leased to this agent`;
      applyResult(d, event.key, event.result);
      return;
    }
    case 'lease.expired': {
      const s = d.get(event.key);
      if (s?.status !== 'running' || s.attempt !== event.attempt || s.leaseToken === null)
        return 'lease no longer current';
      d.record('lease.expired', { key: event.key, attempt: event.attempt, data: { agent: s.agent } });
      // The agent died or was cut off: not the step's fault, so the lost attempt does not count
      // against retry.attempts — a few times, so a step that kills its agent still ends.
      const allowed = stepSpec(run.runbook, s.stepId).retry?.attempts ?? 1;
      if (s.maxAttempts < allowed + LOST_LEASE_RETRIES) d.edit(event.key).maxAttempts += 1;
      failStep(d, event.key, `lease expired: agent ${s.agent ?? '?'} stopped heartbeating`, true);
      return;
    }
    case 'timer':
      return applyTimer(d, event);
    case 'decision':
      return applyDecision(d, event);
    case 'task.complete':
      return applyCompletion(d, event);
    case 'child.finished': {
      const s = d.get(event.key);
      if (s?.status !== 'running' || s.childRunId !== event.childRunId) return 'child run no longer awaited';
      if (event.status === 'succeeded') {
        const outputs: Record<string, string> = {};
        for (const [k, v] of Object.entries((event.outputs ?? {}) as Record<string, unknown>))
          outputs[k] = typeof v === 'string' ? v : JSON.stringify(v);
        succeedStep(d, event.key, outputs, { child_run_id: event.childRunId });
      } else failStep(d, event.key, `child run ${event.childRunId} ${event.status}: ${event.error ?? ''}`);
      return;
    }
    case 'cancel':
      return cancel(d, event.actor, event.compensate, event.reason);
    case 'pause': {
      if (run.phase === 'done') return 'the run has finished';
      if (run.status === 'paused') return 'the run is already paused';
      run.status = 'paused';
      for (const s of run.steps.values())
        if (s.status === 'ready') {
          const w = d.edit(s.key);
          w.status = 'pending';
        }
      d.record('run.paused', { actor: event.actor });
      return;
    }
    case 'resume':
      if (run.status !== 'paused') return 'the run is not paused';
      run.status = 'running';
      d.record('run.resumed', { actor: event.actor });
      return;
    case 'retry':
      return applyRetry(d, event.actor);
    default:
      return assertNever(event, 'event');
  }
}

function start(d: Draft): string | undefined {
  const run = d.run;
  if (run.steps.size > 0) return 'the run has started already';
  const index = specIndex(run.runbook);
  for (const spec of [...index.main, ...index.fin]) {
    const phase = index.phaseOf.get(spec.id)!;
    d.add(newStep({ key: spec.id, stepId: spec.id, phase, maxAttempts: spec.retry?.attempts ?? 1 }, d.now));
  }
  d.record('run.created', {
    actor: run.createdBy,
    data: { runbook: run.runbookName, version: run.runbookVersion },
  });
  if (run.runbook.spec.timeout) {
    const due = d.now + parseDuration(run.runbook.spec.timeout);
    d.emit({ type: 'timer', kind: 'run-timeout', key: null, attempt: null, dueAt: due });
  }
  const concurrency = run.runbook.spec.concurrency;
  if (concurrency) {
    let key: string;
    try {
      key = renderTemplate(concurrency.key, expressionContext(d));
    } catch (err: unknown) {
      run.status = 'failed';
      run.phase = 'done';
      run.error = `concurrency key: ${errorMessage(err)}`;
      run.finishedAt = d.now;
      d.record('run.finished', { data: { status: 'failed', error: run.error } });
      return;
    }
    run.concurrencyKey = key;
    run.status = 'pending';
    d.emit({ type: 'concurrency.acquire', key, limit: concurrency.limit, holder: run.id, stepKey: null });
    return;
  }
  run.status = 'running';
  run.startedAt = d.now;
  d.record('run.started');
  return;
}

function applyResult(d: Draft, key: string, result: StepResult): void {
  const s = d.get(key)!;
  if (!result.ok) {
    d.record('step.attempt_failed', { key, attempt: s.attempt, data: { error: result.error ?? 'failed' } });
    failStep(d, key, result.error ?? 'the action failed', result.retryable ?? true);
    return;
  }
  const fileOutputs = result.outputs ?? {};
  let outputs: Record<string, string> = fileOutputs;
  const spec = stepSpec(d.run.runbook, s.stepId);
  try {
    if (s.phase !== 'compensate' && spec.outputs) {
      const ctx = expressionContext(d, s, { result: result.result ?? {}, outputs: fileOutputs });
      outputs = { ...fileOutputs };
      for (const [name, tpl] of Object.entries(spec.outputs)) outputs[name] = renderTemplate(tpl, ctx);
    }
  } catch (err: unknown) {
    const w = d.edit(key);
    w.result = result.result ?? null;
    failStep(d, key, `outputs: ${errorMessage(err)}`, false);
    return;
  }
  if (Buffer.byteLength(JSON.stringify(outputs)) > MAX_OUTPUT_BYTES) {
    failStep(d, key, `outputs exceed ${MAX_OUTPUT_BYTES} bytes`, false);
    return;
  }
  succeedStep(d, key, outputs, result.result ?? null);
}

function cancel(d: Draft, actor: string | null, compensate: boolean, reason?: string): string | undefined {
  const run = d.run;
  if (run.phase === 'done') return 'the run has finished';
  d.record('run.cancel_requested', { actor, data: { compensate, reason: reason ?? null } });
  if (run.status === 'paused' || run.status === 'pending') {
    if (run.status === 'pending' && run.concurrencyKey && run.startedAt === null)
      d.emit({ type: 'concurrency.release', key: run.concurrencyKey, holder: run.id });
    run.status = 'running';
  }
  const wasMain = run.phase === 'main';
  for (const s of [...run.steps.values()])
    if (wasMain ? s.phase === 'main' : true) cancelStep(d, s.key, 'the run was cancelled');
  if (run.outcome === null || wasMain) {
    run.outcome = 'cancelled';
    run.error = reason ?? `cancelled${actor ? ` by ${actor}` : ''}`;
  }
  if (run.startedAt === null) run.phase = 'done';
  else run.phase = wasMain ? (compensate ? 'compensating' : 'finally') : 'done';
  return;
}

/** The run's status while it goes on: running when something runs, waiting when all waits. */
function settleStatus(d: Draft): void {
  const run = d.run;
  if (run.phase === 'done' || run.status === 'paused' || run.status === 'pending') return;
  let waiting = false;
  for (const s of run.steps.values()) {
    if (s.status === 'ready' || s.status === 'running') {
      run.status = 'running';
      return;
    }
    if (s.status === 'waiting') waiting = true;
  }
  run.status = waiting ? 'waiting' : 'running';
}
