/**
 * Escalation timing, pure: where an incident's escalation stands (level, round, when it next
 * moves) and what happens when that time comes. The shell keeps the state in a row and asks
 * `decideEscalation` when the row falls due; the clock is the caller's.
 */
import { parseDuration } from '../runbook/index.ts';
import type { IncidentStatus } from '../events/index.ts';
import type { EscalationPolicy } from './model.ts';

/** Where an escalation stands: the level notified last, in which round, and when it moves on. */
export interface EscalationStep {
  /** 0-based level of the policy. */
  level: number;
  /** 0 for the first pass through the levels, 1 for the first repeat… */
  round: number;
  /** When the level's timeout runs out. */
  dueAt: number;
}

export type EscalationDecision =
  /** Somebody acknowledged (or it resolved): escalation ends. */
  | { type: 'stop'; reason: 'acknowledged' | 'resolved' }
  /** Not yet due. */
  | { type: 'wait'; until: number }
  /** Notify the targets of `step.level` now. */
  | { type: 'escalate'; step: EscalationStep }
  /** The last level of the last round timed out: nobody left to notify. */
  | { type: 'exhausted' };

export const levelTimeoutMs = (policy: EscalationPolicy, level: number): number =>
  parseDuration(policy.levels[level]!.timeout);

/** The first step: level 0 of round 0, notified when the incident is routed. */
export function startEscalation(policy: EscalationPolicy, now: number): EscalationStep {
  return { level: 0, round: 0, dueAt: now + levelTimeoutMs(policy, 0) };
}

/** The step after `s`, timed from `now` (when it is taken); null when none is left. */
export function nextStep(
  policy: EscalationPolicy,
  s: Omit<EscalationStep, 'dueAt'>,
  now: number,
): EscalationStep | null {
  let level = s.level + 1;
  let round = s.round;
  if (level >= policy.levels.length) {
    if (round >= policy.repeat) return null;
    level = 0;
    round += 1;
  }
  return { level, round, dueAt: now + levelTimeoutMs(policy, level) };
}

/** What to do with an escalation at `now`, given the incident's status. */
export function decideEscalation(
  policy: EscalationPolicy,
  s: EscalationStep,
  status: IncidentStatus,
  now: number,
): EscalationDecision {
  if (status === 'acknowledged' || status === 'resolved') return { type: 'stop', reason: status };
  if (now < s.dueAt) return { type: 'wait', until: s.dueAt };
  const next = nextStep(policy, s, now);
  return next ? { type: 'escalate', step: next } : { type: 'exhausted' };
}

/** Every notification the policy makes if nobody acknowledges, from `startedAt` on: for docs and `show`. */
export function plannedEscalation(
  policy: EscalationPolicy,
  startedAt: number,
): { at: number; level: number; round: number }[] {
  const plan: { at: number; level: number; round: number }[] = [];
  let step: EscalationStep | null = startEscalation(policy, startedAt);
  let at = startedAt;
  while (step) {
    plan.push({ at, level: step.level, round: step.round });
    at = step.dueAt;
    step = nextStep(policy, step, at);
  }
  return plan;
}
