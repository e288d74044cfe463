import { describe, expect, it } from 'vitest';
import {
  figures,
  HOUR_MS,
  indicatorFigures,
  monthBounds,
  monthOf,
  ofSite,
  rangeChunks,
  sitesOf,
  timeSlices,
  type Slice,
} from './compute.ts';

const NOW = Date.UTC(2026, 10, 30, 12, 0, 0);
const DAY = 24 * HOUR_MS;

/** One slice a minute over [from, to), bad in the minutes `bad` says. */
function minutes(from: number, to: number, bad: (t: number) => boolean, site: string | null = null): Slice[] {
  const out: Slice[] = [];
  for (let t = from; t < to; t += 60_000) out.push({ at: t, good: bad(t) ? 0 : 1, total: 1, site });
  return out;
}

describe('SLO figures', () => {
  it('count only the slices that start inside the window', () => {
    const s: Slice[] = [
      { at: 0, good: 5, total: 5, site: null },
      { at: 10, good: 3, total: 4, site: null },
      { at: 20, good: 0, total: 1, site: null },
    ];
    expect(figures(s, 10, 20, 0.9)).toMatchObject({ good: 3, total: 4, sli: 0.75, met: false });
    expect(figures(s, 0, 21, 0.9)).toMatchObject({ good: 8, total: 10, sli: 0.8 });
    expect(figures(s, 30, 40, 0.9)).toMatchObject({ total: 0, sli: null, budgetRemaining: null, met: null });
  });

  it('give the error budget left: 43.2 bad minutes of 30 days spend a 99.9 % budget exactly', () => {
    const from = NOW - 30 * DAY;
    // 21.6 minutes cannot be bad; 22 bad minutes leave a little less than half of the budget.
    const s = minutes(from, NOW, (t) => t >= from && t < from + 22 * 60_000);
    const f = figures(s, from, NOW, 0.999);
    expect(f.total).toBe(43_200);
    expect(f.good).toBe(43_178);
    expect(f.budgetConsumed).toBeCloseTo(22 / 43.2, 9);
    expect(f.budgetRemaining).toBeCloseTo(1 - 22 / 43.2, 9);
    expect(f.met).toBe(true);
    const missed = figures(
      minutes(from, NOW, (t) => t < from + 50 * 60_000),
      from,
      NOW,
      0.999,
    );
    expect(missed.met).toBe(false);
    expect(missed.budgetRemaining).toBeCloseTo(1 - 50 / 43.2, 9);
  });

  it('burn fast in the last hour: page-worthy burn over 1 h and 6 h, budget still left over 30 d', () => {
    const from = NOW - 30 * DAY;
    // The last 20 minutes are down: 20/60 bad in the hour is a burn rate of 333 at 99.9 %.
    const s = minutes(from, NOW, (t) => t >= NOW - 20 * 60_000);
    const r = indicatorFigures(s, NOW, 30 * DAY, 0.999);
    expect(r.burn1h).toBeCloseTo(20 / 60 / 0.001, 6);
    expect(r.burn6h).toBeCloseTo(20 / 360 / 0.001, 6);
    expect(r.window.budgetRemaining).toBeCloseTo(1 - 20 / 43.2, 6);
    expect(r.state).toBe('burning');
  });

  it('is ok when the budget burns slowly, exhausted once the objective is missed, no_data without slices', () => {
    const from = NOW - 30 * DAY;
    // One bad minute every 2 days: 15 bad minutes in 30 days, none in the last 6 hours.
    const slow = minutes(from, NOW, (t) => (t - from) % (2 * DAY) === 0);
    expect(indicatorFigures(slow, NOW, 30 * DAY, 0.999)).toMatchObject({ state: 'ok', burn1h: 0, burn6h: 0 });
    const bad = minutes(from, NOW, (t) => t < from + 60 * 60_000);
    expect(indicatorFigures(bad, NOW, 30 * DAY, 0.999).state).toBe('exhausted');
    expect(indicatorFigures([], NOW, 30 * DAY, 0.999)).toMatchObject({ state: 'no_data', burn1h: null });
  });

  it('split by site', () => {
    const s = [
      ...minutes(NOW - HOUR_MS, NOW, () => false, 'idc-shanghai'),
      ...minutes(NOW - HOUR_MS, NOW, (t) => t < NOW - 30 * 60_000, 'cloud-hangzhou'),
    ];
    expect(sitesOf(s)).toEqual(['cloud-hangzhou', 'idc-shanghai']);
    expect(figures(ofSite(s, 'idc-shanghai'), NOW - HOUR_MS, NOW, 0.99).sli).toBe(1);
    expect(figures(ofSite(s, 'cloud-hangzhou'), NOW - HOUR_MS, NOW, 0.99).sli).toBe(0.5);
    expect(figures(ofSite(s, null), NOW - HOUR_MS, NOW, 0.99).sli).toBe(0.75);
  });
});

describe('calendar months', () => {
  it('are UTC and know their lengths, leap years included', () => {
    expect(monthBounds('2026-11')).toEqual({ from: Date.UTC(2026, 10, 1), to: Date.UTC(2026, 11, 1) });
    expect(monthBounds('2026-12').to).toBe(Date.UTC(2027, 0, 1));
    const feb = monthBounds('2028-02');
    expect((feb.to - feb.from) / DAY).toBe(29);
    expect(monthOf(NOW)).toBe('2026-11');
    expect(() => monthBounds('2026-13')).toThrow(/YYYY-MM/);
  });
});

describe('Prometheus samples as time slices', () => {
  it('are good at or under the threshold, bad above it or at +Inf, and say nothing when NaN', () => {
    const s = timeSlices(
      [
        [1000, 0.2],
        [2000, 0.3],
        [3000, 0.31],
        [4000, Number.NaN],
        [5000, Number.POSITIVE_INFINITY],
      ],
      0.3,
      'edge-1',
    );
    expect(s.map((x) => [x.at, x.good, x.total, x.site])).toEqual([
      [1000, 1, 1, 'edge-1'],
      [2000, 1, 1, 'edge-1'],
      [3000, 0, 1, 'edge-1'],
      [5000, 0, 1, 'edge-1'],
    ]);
  });

  it('ranges are cut into aligned chunks of at most maxPoints steps, covering the range once', () => {
    expect(rangeChunks(0, 30 * DAY, 60_000)).toHaveLength(5);
    const chunks = rangeChunks(1_500, 10_000, 1_000, 3);
    expect(chunks).toEqual([
      [2_000, 5_000],
      [5_000, 8_000],
      [8_000, 10_000],
    ]);
  });
});
