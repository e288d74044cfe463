/**
 * The guard-rails between a matching rule and a run, as one pure decision over facts the shell
 * gathered (time comes in as a value). Checked in this order, the first that refuses wins:
 * maintenance, change freeze, the alert group already handled, cooldown, rate limit, concurrency.
 */
import { formatDuration, parseDuration } from '../runbook/index.ts';
import type { RuleSpec, SkipReason } from './model.ts';

export interface GuardFacts {
  now: number;
  /** The maintenance window the event's resource is in, if any (described for the record). */
  maintenance: string | null;
  /** The change freeze in effect, if any. */
  freeze: { id: string; reason: string | null } | null;
  /** The firing that already holds this rule's lock on the alert group, if any. */
  handledBy: { firingId: string; runId: string | null } | null;
  /** When this rule last started (or, dry, would have started) a run for the resource. */
  lastStartForResource: number | null;
  /** Runs this rule started (or would have) within the rate-limit window ending now. */
  startsInWindow: number;
  /** Runs this rule started that have not finished. */
  running: number;
}

export interface GuardVerdict {
  allow: boolean;
  reason?: SkipReason;
  /** Why, in a sentence, when refused. */
  message?: string;
  /** Each guard-rail as evaluated, for the firing's record. */
  checks: Record<string, string>;
}

/** The start of the window the rate limit counts in (the shell counts starts from then). */
export function rateWindowStart(spec: RuleSpec, now: number): number | null {
  return spec.rate_limit === undefined ? null : now - parseDuration(spec.rate_limit.per);
}

export function checkGuardRails(spec: RuleSpec, f: GuardFacts): GuardVerdict {
  const checks: Record<string, string> = {};
  const refuse = (reason: SkipReason, message: string): GuardVerdict => {
    checks[reason] = `refused: ${message}`;
    return { allow: false, reason, message, checks };
  };

  if (spec.skip_during_maintenance && f.maintenance !== null)
    return refuse('maintenance', `in maintenance (${f.maintenance})`);
  checks.maintenance = spec.skip_during_maintenance ? 'ok' : 'not checked (skip_during_maintenance: false)';

  if (spec.skip_during_freeze && f.freeze !== null)
    return refuse(
      'change_freeze',
      `a change freeze is in effect${f.freeze.reason === null ? '' : `: ${f.freeze.reason}`}`,
    );
  checks.change_freeze = spec.skip_during_freeze ? 'ok' : 'not checked (skip_during_freeze: false)';

  if (f.handledBy !== null)
    return refuse(
      'already_handled',
      `this alert group was already handled (firing ${f.handledBy.firingId}` +
        `${f.handledBy.runId === null ? '' : `, run ${f.handledBy.runId}`})`,
    );
  checks.already_handled = 'ok';

  if (spec.cooldown !== undefined) {
    const cooldown = parseDuration(spec.cooldown);
    if (f.lastStartForResource !== null && f.now - f.lastStartForResource < cooldown) {
      const left = cooldown - (f.now - f.lastStartForResource);
      return refuse('cooldown', `cooling down for ${formatDuration(Math.ceil(left / 1000) * 1000)} more`);
    }
    checks.cooldown = 'ok';
  }

  if (spec.rate_limit !== undefined) {
    const { count, per } = spec.rate_limit;
    if (f.startsInWindow >= count)
      return refuse('rate_limit', `${f.startsInWindow} runs started in the last ${per} (limit ${count})`);
    checks.rate_limit = `ok (${f.startsInWindow} of ${count} in ${per})`;
  }

  if (spec.max_concurrent !== undefined) {
    if (f.running >= spec.max_concurrent)
      return refuse('max_concurrent', `${f.running} runs still running (limit ${spec.max_concurrent})`);
    checks.max_concurrent = `ok (${f.running} of ${spec.max_concurrent} running)`;
  }
  return { allow: true, checks };
}
