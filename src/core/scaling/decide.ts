/**
 * The scaling decision, pure: from a policy, its state, one reading of the measure and the time,
 * what to do and the state after. The worker (src/scaling) reads the measure, starts the run
 * and writes the state; nothing here does I/O.
 */
import type {
  Condition,
  Observation,
  ScalingAction,
  ScalingSpec,
  ScalingState,
  ScalingTimings,
  Verdict,
} from './model.ts';
import { parseDuration } from '../runbook/index.ts';

export const timingsOf = (spec: ScalingSpec): ScalingTimings => ({
  forMs: parseDuration(spec.for),
  cooldownMs: parseDuration(spec.cooldown),
  intervalMs: parseDuration(spec.interval),
});

/** Which side of the band a value is on; none inside it (thresholds themselves included). */
export function conditionOf(spec: ScalingSpec, value: number): Condition | null {
  if (value > spec.scale_out_above) return 'above';
  if (value < spec.scale_in_below) return 'below';
  return null;
}

export interface Evaluation {
  verdict: Verdict;
  /** The state with the condition tracked (an action's start is `actionStarted`, once it has a run). */
  state: ScalingState;
  /** How long the condition has held, and the cooldown still to wait (0 when none). */
  heldMs: number;
  cooldownLeftMs: number;
}

/**
 * Evaluate once. Order: an action in progress blocks everything; instances outside min..max are
 * brought back first (even without data: the bounds do not depend on the measure); then the
 * measure's condition must have held `for` and the cooldown must be over.
 */
export function evaluate(
  spec: ScalingSpec,
  timings: ScalingTimings,
  before: ScalingState,
  observed: Observation,
  now: number,
): Evaluation {
  const condition = observed.ok ? conditionOf(spec, observed.value) : null;
  // A reading that failed breaks the series: the condition has not been seen to hold.
  const conditionSince =
    condition === null ? null : before.condition === condition ? (before.conditionSince ?? now) : now;
  const state: ScalingState = { ...before, condition, conditionSince };
  const heldMs = conditionSince === null ? 0 : now - conditionSince;
  const cooldownLeftMs =
    before.lastActionAt === null ? 0 : Math.max(0, before.lastActionAt + timings.cooldownMs - now);
  const hold = (reason: Extract<Verdict, { kind: 'hold' }>['reason']): Evaluation => ({
    verdict: { kind: 'hold', reason },
    state,
    heldMs,
    cooldownLeftMs,
  });
  const act = (verdict: Exclude<Verdict, { kind: 'hold' }>): Evaluation =>
    cooldownLeftMs > 0 ? hold('cooldown') : { verdict, state, heldMs, cooldownLeftMs };

  if (!spec.enabled) return hold('disabled');
  if (before.pending !== null) return hold('in_progress');
  if (before.instances < spec.min) return act({ kind: 'scale_out', reason: 'below_min' });
  if (before.instances > spec.max) return act({ kind: 'scale_in', reason: 'above_max' });
  if (!observed.ok) return hold('no_data');
  if (condition === null) return hold('within_band');
  if (condition === 'above' && before.instances >= spec.max) return hold('at_max');
  if (condition === 'below' && before.instances <= spec.min) return hold('at_min');
  if (heldMs < timings.forMs) return hold('for_pending');
  return act(
    condition === 'above'
      ? { kind: 'scale_out', reason: 'above_threshold' }
      : { kind: 'scale_in', reason: 'below_threshold' },
  );
}

/**
 * An action's run started: it is pending until the run ends, and the condition must be seen to
 * hold for `for` again before the next one.
 */
export function actionStarted(
  state: ScalingState,
  action: ScalingAction,
  runId: string,
  now: number,
): ScalingState {
  return { ...state, condition: null, conditionSince: null, pending: { action, runId, since: now } };
}

/** How a pending action's run ended, as the shell found it. */
export type RunEnd = { status: 'succeeded' | 'failed' | 'cancelled'; finishedAt: number } | 'missing';

export interface Settled {
  state: ScalingState;
  /** What to record: the instance count moved, or the action failed (no change). */
  outcome: 'scaled_out' | 'scaled_in' | 'action_failed';
}

/**
 * The pending action's run ended: count the instance it added or removed when it succeeded, and
 * start the cooldown from its end either way (a failing runbook is not retried every tick).
 */
export function settle(state: ScalingState, end: RunEnd, now: number): Settled {
  const pending = state.pending;
  if (pending === null) throw new Error('settle: no action is pending');
  const finishedAt = end === 'missing' ? now : end.finishedAt;
  const base = { ...state, pending: null, lastActionAt: finishedAt };
  if (end === 'missing' || end.status !== 'succeeded') return { state: base, outcome: 'action_failed' };
  return pending.action === 'scale_out'
    ? { state: { ...base, instances: state.instances + 1 }, outcome: 'scaled_out' }
    : { state: { ...base, instances: Math.max(0, state.instances - 1) }, outcome: 'scaled_in' };
}

/** The decision as one string (kind:reason), to record a decision only when it changes. */
export const verdictKey = (v: Verdict): string => `${v.kind}:${v.reason}`;
