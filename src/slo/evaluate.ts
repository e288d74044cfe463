/**
 * Evaluating SLOs: each indicator's series loaded (probe results from the store, time slices
 * from Prometheus), then the pure arithmetic of core/slo. An indicator that cannot be measured
 * (Prometheus down, a bad query) shows its error; the others are not affected.
 */
import { errorMessage } from '../core/errors.ts';
import {
  figures,
  indicatorFigures,
  monthBounds,
  ofSite,
  sitesOf,
  timeSlices,
  type Figures,
  type Indicator,
  type IndicatorFigures,
  type Slice,
  type Slo,
} from '../core/slo/index.ts';
import type { Store } from '../store/index.ts';
import { probeSlices, probesOfService } from './probe-hours.ts';
import { queryForSite, queryRange, splitsBySite } from './prometheus.ts';

export interface SloDeps {
  store: Store;
  clock: () => number;
  /** The Prometheus latency indicators ask when they name none (TANDEM_PROMETHEUS_URL). */
  prometheusUrl: string | null;
}

export type IndicatorStatus = { kind: Indicator['kind']; objective: number } & (
  ({ error: null } & IndicatorFigures) | { error: string }
);

export interface SloStatus {
  name: string;
  service: string;
  now: number;
  windowMs: number;
  indicators: IndicatorStatus[];
}

/** An indicator's slices over [from, to), of one site or all. */
export async function indicatorSlices(
  deps: SloDeps,
  slo: Slo,
  ind: Indicator,
  from: number,
  to: number,
  site: string | null,
): Promise<Slice[]> {
  if (ind.kind === 'availability') {
    const probes = await probesOfService(deps.store, slo.service, ind.probes);
    const sites = site === null ? ind.sites : (ind.sites ?? [site]).filter((s) => s === site);
    return probeSlices(deps.store, { probes, sites, from, to, now: deps.clock() });
  }
  const url = ind.prometheus ?? deps.prometheusUrl;
  if (url === null)
    throw new Error(
      'no Prometheus to ask: set spec.latency.prometheus or the server setting TANDEM_PROMETHEUS_URL',
    );
  if (site !== null && !splitsBySite(ind.query))
    throw new Error('the latency query does not use $site, so it cannot be split by site');
  const samples = await queryRange(url, queryForSite(ind.query, site), from, to, ind.stepMs);
  return timeSlices(samples, ind.threshold, site);
}

/** Every indicator of the SLO now: over its window, and its burn rates over 1 h and 6 h. */
export async function sloStatus(deps: SloDeps, slo: Slo): Promise<SloStatus> {
  const now = deps.clock();
  const indicators: IndicatorStatus[] = [];
  for (const ind of slo.indicators) {
    try {
      const slices = await indicatorSlices(deps, slo, ind, now - slo.windowMs, now, null);
      indicators.push({
        kind: ind.kind,
        objective: ind.objective,
        error: null,
        ...indicatorFigures(slices, now, slo.windowMs, ind.objective),
      });
    } catch (err: unknown) {
      indicators.push({ kind: ind.kind, objective: ind.objective, error: errorMessage(err) });
    }
  }
  return { name: slo.name, service: slo.service, now, windowMs: slo.windowMs, indicators };
}

export interface MonthIndicator {
  kind: Indicator['kind'];
  objective: number;
  error: string | null;
  /** Over the month (the site asked for, else every site). */
  overall: Figures | null;
  /** Per site, when the indicator can be split by site (probes always; latency with $site). */
  sites: { site: string; figures: Figures }[] | null;
}

export interface SloMonthReport {
  name: string;
  service: string;
  month: string;
  from: number;
  /** The month's end, or now for the month under way. */
  to: number;
  site: string | null;
  indicators: MonthIndicator[];
}

/** The sites a latency query is asked for, one by one: those of the estate. */
async function estateSites(store: Store): Promise<string[]> {
  return (await store.db.selectFrom('sites').select('name').orderBy('name').execute()).map((r) => r.name);
}

/** An SLO over a calendar month (UTC), overall and per site, or for one site. */
export async function sloMonthReport(
  deps: SloDeps,
  slo: Slo,
  month: string,
  site: string | null,
): Promise<SloMonthReport> {
  const bounds = monthBounds(month);
  const to = Math.min(bounds.to, deps.clock());
  const indicators: MonthIndicator[] = [];
  for (const ind of slo.indicators) {
    const base = { kind: ind.kind, objective: ind.objective };
    try {
      if (ind.kind === 'availability') {
        const slices = await indicatorSlices(deps, slo, ind, bounds.from, to, site);
        indicators.push({
          ...base,
          error: null,
          overall: figures(slices, bounds.from, to, ind.objective),
          sites: sitesOf(slices).map((s) => ({
            site: s,
            figures: figures(ofSite(slices, s), bounds.from, to, ind.objective),
          })),
        });
        continue;
      }
      const overall = figures(
        await indicatorSlices(deps, slo, ind, bounds.from, to, site),
        bounds.from,
        to,
        ind.objective,
      );
      let sites: MonthIndicator['sites'] = null;
      if (site === null && splitsBySite(ind.query)) {
        sites = [];
        for (const s of await estateSites(deps.store)) {
          const f = figures(
            await indicatorSlices(deps, slo, ind, bounds.from, to, s),
            bounds.from,
            to,
            ind.objective,
          );
          if (f.total > 0) sites.push({ site: s, figures: f });
        }
      }
      indicators.push({ ...base, error: null, overall, sites });
    } catch (err: unknown) {
      indicators.push({ ...base, error: errorMessage(err), overall: null, sites: null });
    }
  }
  return { name: slo.name, service: slo.service, month, from: bounds.from, to, site, indicators };
}
