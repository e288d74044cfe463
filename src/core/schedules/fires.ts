/**
 * Fire times of a schedule, pure: the clock comes in as a value. Daylight saving time follows
 * croner: a fixed-time job (`30 2 * * *`) whose time falls in a spring-forward gap runs at the
 * first valid time after it, and once when an autumn hour repeats; an interval job
 * (`*\/30 * * * *`) skips the times of the gap and runs on both occurrences of a repeated hour.
 */
import { Cron } from 'croner';
import { FIRE_GRACE_MS, type MissedPolicy } from './model.ts';

/** Past this many fire times in one downtime, the count of missed ones stops (it is only shown). */
const MAX_COUNTED = 10_000;

export interface CronSpec {
  cron: string;
  timezone: string;
}

/** A croner job that never runs by itself: only its calendar is used. Throws on a bad pattern. */
export function cronOf(s: CronSpec): Cron {
  return new Cron(s.cron, { timezone: s.timezone, paused: true, mode: '5-or-6-parts' });
}

/** Whether the runtime knows the IANA time zone. */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** The next `n` fire times strictly after `after`. */
export function nextFires(s: CronSpec, after: number, n: number): number[] {
  return cronOf(s)
    .nextRuns(n, new Date(after))
    .map((d) => d.getTime());
}

/** The first fire time strictly after `after`, or null when the cron names none (a past year). */
export function nextFire(s: CronSpec, after: number): number | null {
  return cronOf(s).nextRun(new Date(after))?.getTime() ?? null;
}

export interface DueFires {
  /** The fire time to run now, if any. */
  fire: number | null;
  /** A fire time that was due but is not run (`skip` of a late one), for the record. */
  skipped: number | null;
  /** Fire times due since `firesFrom` that are not run (all but the one run). */
  missed: number;
  /** Where the next search starts: the latest due fire time handled, or `firesFrom` if none. */
  firesFrom: number;
  /** The next fire time after now. */
  next: number | null;
}

/**
 * What is due at `now` for fire times strictly after `firesFrom` (the last one handled). The
 * latest due time runs if it is within the grace period; a later find follows the policy:
 * `skip` runs nothing, `catch_up_once` runs it once. Earlier due times never run.
 */
export function dueFires(
  s: CronSpec & { missed: MissedPolicy },
  firesFrom: number,
  now: number,
  graceMs = FIRE_GRACE_MS,
): DueFires {
  const cron = cronOf(s);
  const next = cron.nextRun(new Date(now))?.getTime() ?? null;
  // previousRuns excludes a run exactly at the reference: look from just after now.
  const latest = cron.previousRuns(1, new Date(now + 1))[0]?.getTime();
  if (latest === undefined || latest <= firesFrom)
    return { fire: null, skipped: null, missed: 0, firesFrom, next };
  let due = 0;
  for (let t = cron.nextRun(new Date(firesFrom)); t !== null && t.getTime() <= latest; t = cron.nextRun(t)) {
    if (++due >= MAX_COUNTED) break;
  }
  const onTime = now - latest <= graceMs;
  if (onTime || s.missed === 'catch_up_once')
    return { fire: latest, skipped: null, missed: due - 1, firesFrom: latest, next };
  return { fire: null, skipped: latest, missed: due, firesFrom: latest, next };
}
