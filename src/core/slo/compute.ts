/**
 * SLO arithmetic, pure: counts of good and all events over windows, what that leaves of the
 * error budget, how fast it burns, and calendar months. Time comes in as values.
 */

/** Good and all events counted from `at` on (a probe result hour or minute, a time slice). */
export interface Slice {
  at: number;
  good: number;
  total: number;
  /** The site the events were seen from, when known. */
  site: string | null;
}

/** An indicator over one window. Shares and budgets are fractions (0.999, not 99.9). */
export interface Figures {
  from: number;
  to: number;
  good: number;
  total: number;
  /** good / total; null without data. */
  sli: number | null;
  objective: number;
  /** The bad share the objective allows (its error budget): 1 − objective. */
  allowed: number;
  /** The bad share over the allowed one: 1 means the budget is spent exactly. */
  budgetConsumed: number | null;
  /** 1 − consumed: what is left of the budget, negative once the objective is missed. */
  budgetRemaining: number | null;
  met: boolean | null;
}

/**
 * Multi-window burn alerts, as in Google's SRE workbook for a 30-day objective: 14.4 over an hour
 * spends 2 % of the budget in that hour, 6 over six hours spends 5 % in them.
 */
export const FAST_BURN = 14.4;
export const SLOW_BURN = 6;
export const HOUR_MS = 3_600_000;

export type SloState = 'ok' | 'burning' | 'exhausted' | 'no_data';

export interface IndicatorFigures {
  window: Figures;
  burn1h: number | null;
  burn6h: number | null;
  /**
   * `exhausted`: the objective is missed over the window; `burning`: the budget burns past the
   * fast or slow threshold; `no_data`: nothing was measured in the window.
   */
  state: SloState;
}

/** Slices whose start lies in [from, to) (an hour-long slice counts where it starts), summed. */
export function figures(slices: readonly Slice[], from: number, to: number, objective: number): Figures {
  let good = 0;
  let total = 0;
  for (const s of slices)
    if (s.at >= from && s.at < to) {
      good += s.good;
      total += s.total;
    }
  const allowed = 1 - objective;
  const sli = total === 0 ? null : good / total;
  const consumed = sli === null ? null : (1 - sli) / allowed;
  return {
    from,
    to,
    good,
    total,
    sli,
    objective,
    allowed,
    budgetConsumed: consumed,
    budgetRemaining: consumed === null ? null : 1 - consumed,
    met: sli === null ? null : sli >= objective,
  };
}

/** The bad share over `windowMs` up to `now`, over the allowed share; null without data. */
export function burnRate(
  slices: readonly Slice[],
  now: number,
  windowMs: number,
  objective: number,
): number | null {
  return figures(slices, now - windowMs, now, objective).budgetConsumed;
}

export function indicatorFigures(
  slices: readonly Slice[],
  now: number,
  windowMs: number,
  objective: number,
): IndicatorFigures {
  const window = figures(slices, now - windowMs, now, objective);
  const burn1h = burnRate(slices, now, HOUR_MS, objective);
  const burn6h = burnRate(slices, now, 6 * HOUR_MS, objective);
  const state: SloState =
    window.sli === null
      ? 'no_data'
      : (window.budgetRemaining ?? 0) <= 0 && window.met === false
        ? 'exhausted'
        : (burn1h ?? 0) >= FAST_BURN || (burn6h ?? 0) >= SLOW_BURN
          ? 'burning'
          : 'ok';
  return { window, burn1h, burn6h, state };
}

/** Slices of one site, or all of them. */
export const ofSite = (slices: readonly Slice[], site: string | null): Slice[] =>
  site === null ? [...slices] : slices.filter((s) => s.site === site);

/** The sites the slices were seen from, sorted. */
export const sitesOf = (slices: readonly Slice[]): string[] =>
  [...new Set(slices.map((s) => s.site).filter((s): s is string => s !== null))].sort();

export const MONTH_PATTERN = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** A calendar month (UTC), `2026-11`, as [from, to) in ms. */
export function monthBounds(month: string): { from: number; to: number } {
  const m = MONTH_PATTERN.exec(month);
  if (!m) throw new RangeError(`"${month}" is not a month: write YYYY-MM, e.g. 2026-11`);
  const year = Number(m[1]);
  const index = Number(m[2]) - 1;
  return { from: Date.UTC(year, index, 1), to: Date.UTC(year, index + 1, 1) };
}

/** The month (UTC) `at` falls in. */
export function monthOf(at: number): string {
  const d = new Date(at);
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

/**
 * Time slices from a sampled series: each sample is one slice, good when its value is at most
 * the threshold. NaN (e.g. a quantile of no traffic) says nothing and is left out; +Inf is bad.
 */
export function timeSlices(
  samples: readonly (readonly [number, number])[],
  threshold: number,
  site: string | null = null,
): Slice[] {
  const out: Slice[] = [];
  for (const [at, value] of samples) {
    if (Number.isNaN(value)) continue;
    out.push({ at, good: value <= threshold ? 1 : 0, total: 1, site });
  }
  return out;
}

/**
 * [from, to) cut into ranges of at most `maxPoints` steps, aligned on the step: Prometheus answers
 * at most 11,000 points a series per query.
 */
export function rangeChunks(
  from: number,
  to: number,
  stepMs: number,
  maxPoints = 10_000,
): [number, number][] {
  const start = Math.ceil(from / stepMs) * stepMs;
  const chunks: [number, number][] = [];
  for (let t = start; t < to; t += maxPoints * stepMs) chunks.push([t, Math.min(to, t + maxPoints * stepMs)]);
  return chunks;
}
