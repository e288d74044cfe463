/**
 * Wall-clock time in an IANA time zone, with `Intl` only: what a clock in the zone shows at an
 * instant, and the instant a wall-clock time in the zone means. Local dates are counted as days
 * since 1970-01-01 so calendar arithmetic is integer arithmetic.
 *
 * A wall-clock time that happens twice (the hour repeated when clocks go back) means the earlier
 * instant; one that never happens (the hour skipped when clocks go forward) means the instant as
 * far after the gap as the time was into it (02:30 on a day clocks jump 02:00→03:00 is 03:30).
 * This is `disambiguation: 'compatible'` of Temporal and of RFC 5545.
 */

export const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/** What a clock in the zone shows at an instant. */
export interface WallClock {
  /** The local date as days since 1970-01-01. */
  days: number;
  /** Minutes since local midnight, 0–1439. */
  minute: number;
  /** 0 Sunday … 6 Saturday. */
  weekday: number;
  /** The local time read as if it were UTC, in ms: for offsets. */
  asUtc: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether `tz` names a time zone this runtime knows (`Europe/Berlin`, `Asia/Shanghai`, `UTC`). */
export function isTimeZone(tz: string): boolean {
  if (tz.length === 0 || tz.length > 64) return false;
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

export function wallClock(at: number, timeZone: string): WallClock {
  const parts = new Map<string, number>();
  for (const p of formatter(timeZone).formatToParts(new Date(at)))
    if (p.type !== 'literal') parts.set(p.type, Number(p.value));
  const n = (type: string) => parts.get(type) ?? 0;
  const days = Math.floor(Date.UTC(n('year'), n('month') - 1, n('day')) / DAY_MS);
  const minute = n('hour') * 60 + n('minute');
  const asUtc = days * DAY_MS + minute * MINUTE_MS + n('second') * 1000 + (at - Math.floor(at / 1000) * 1000);
  return { days, minute, weekday: (((days + 4) % 7) + 7) % 7, asUtc };
}

/** The zone's offset from UTC at an instant, in ms (Berlin in summer: +7,200,000). */
export function offsetAt(at: number, timeZone: string): number {
  return wallClock(at, timeZone).asUtc - at;
}

/** The instant the zone's clocks show `minute` past midnight on local date `days`. */
export function zonedInstant(days: number, minute: number, timeZone: string): number {
  const local = days * DAY_MS + minute * MINUTE_MS;
  // Offsets a day either side: zones change offset at most once in two days.
  const before = offsetAt(local - DAY_MS, timeZone);
  const after = offsetAt(local + DAY_MS, timeZone);
  const fits = [...new Set([before, after])]
    .map((o) => local - o)
    .filter((t) => wallClock(t, timeZone).asUtc === local);
  if (fits.length > 0) return Math.min(...fits);
  // In a gap: the offset before it carries the time past the gap by as much as it was into it.
  return local - before;
}

/** `2024-03-31` as days since 1970-01-01 (the date must be valid). */
export function parseLocalDate(text: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d)
    return undefined;
  return ms / DAY_MS;
}

/** `09:30` as minutes since midnight; `24:00` is not a time. */
export function parseClock(text: string): number | undefined {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  return m ? Number(m[1]) * 60 + Number(m[2]) : undefined;
}

export const formatClock = (minute: number): string =>
  `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

/** The local date text of a day number. */
export const formatLocalDate = (days: number): string => new Date(days * DAY_MS).toISOString().slice(0, 10);
