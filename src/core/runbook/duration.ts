/**
 * Durations as runbooks write them: `500ms`, `30s`, `5m`, `2h`, `1d`, or combinations like `1h30m`.
 */
import { TandemError } from '../errors.ts';
import { DURATION_PATTERN } from './model.ts';

const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;
type Unit = keyof typeof UNIT_MS;
// Largest first, so formatting gives `1h30m` rather than `90m`.
const UNITS_DESCENDING: Unit[] = ['d', 'h', 'm', 's', 'ms'];

/** Milliseconds in a duration such as `1h30m`. Throws `invalid_input` for anything else. */
export function parseDuration(s: string): number {
  if (!DURATION_PATTERN.test(s)) {
    throw new TandemError(
      'invalid_input',
      `"${s}" is not a duration; write e.g. 500ms, 30s, 5m, 2h, 1d or 1h30m`,
    );
  }
  let total = 0;
  // `ms` before `m` in the alternation, so `5ms` is not read as 5 minutes followed by junk.
  for (const match of s.matchAll(/(\d+)(ms|s|m|h|d)/g)) {
    total += Number(match[1]) * UNIT_MS[match[2] as Unit];
  }
  return total;
}

/** The shortest duration text for a number of milliseconds: 5_400_000 → `1h30m`, 0 → `0s`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`cannot format ${ms} ms as a duration`);
  let rest = Math.round(ms);
  if (rest === 0) return '0s';
  let text = '';
  for (const unit of UNITS_DESCENDING) {
    const count = Math.floor(rest / UNIT_MS[unit]);
    if (count > 0) {
      text += `${count}${unit}`;
      rest -= count * UNIT_MS[unit];
    }
  }
  return text;
}
