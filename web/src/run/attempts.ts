/** A step's attempts, read from the run's events: where each ran, when, and how it ended. */
import type { RunEvent } from '../api/types.ts';

export interface Attempt {
  attempt: number;
  agent: string | null;
  site: string | null;
  startedAt: string | null;
  endedAt: string | null;
  /** succeeded, failed, timed_out, cancelled, lease_expired; null while it runs. */
  outcome: string | null;
  error: string | null;
}

const ENDINGS: Record<string, string> = {
  'step.succeeded': 'succeeded',
  'step.attempt_failed': 'failed',
  'step.failed': 'failed',
  'step.timed_out': 'timed_out',
  'step.cancelled': 'cancelled',
  'lease.expired': 'lease_expired',
};

export function attemptsOf(events: RunEvent[], stepKey: string): Attempt[] {
  const byNumber = new Map<number, Attempt>();
  for (const e of events) {
    if (e.step !== stepKey || e.attempt === null) continue;
    const data = (e.data ?? {}) as { agent?: string; site?: string; error?: string };
    let a = byNumber.get(e.attempt);
    if (e.type === 'step.started') {
      a = {
        attempt: e.attempt,
        agent: data.agent ?? null,
        site: data.site ?? null,
        startedAt: e.at,
        endedAt: null,
        outcome: null,
        error: null,
      };
      byNumber.set(e.attempt, a);
      continue;
    }
    const outcome = ENDINGS[e.type];
    // The first ending counts: `step.failed` after `step.attempt_failed` repeats it for the step.
    if (!a || !outcome || a.outcome !== null) continue;
    a.outcome = outcome;
    a.endedAt = e.at;
    a.error = data.error ?? null;
  }
  return [...byNumber.values()].sort((x, y) => x.attempt - y.attempt);
}
