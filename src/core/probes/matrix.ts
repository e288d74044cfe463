/**
 * The reachability matrix and what it means, pure. Rows are services, columns sites; a cell says
 * whether the site reaches the service now. From the matrix:
 *
 * - a site is **cut off** when it fails every service it checks while, for each of them that
 *   other sites check too (at least one), some other site succeeds — the trouble is the site's,
 *   not the services' —, or when it has gone silent — its results stopped arriving — while other
 *   sites still report;
 * - a service is **down** when every site that is not cut off fails it, **partial** when some
 *   do and some do not, **up** when none fails.
 *
 * A result older than its probe's staleness limit does not count: the site is not heard from on
 * that probe. Nothing is classified from silence alone: with no fresh result anywhere, every
 * status is `unknown`.
 */
import type { ProbeDefinition } from './model.ts';

/** The latest result of a probe at a site. */
export interface Cell {
  probe: string;
  site: string;
  at: number;
  ok: boolean;
  /** Failures in a row up to and including this result. */
  failures: number;
  latencyMs: number | null;
  error: string | null;
}

export type CellState = 'ok' | 'fail' | 'stale' | 'none';
export type SiteStatus = 'ok' | 'degraded' | 'cut_off' | 'unknown';
export type ServiceStatus = 'up' | 'partial' | 'down' | 'unknown';

export interface MatrixCell {
  site: string;
  state: CellState;
  /** The probes of the service at the site that fail, with their last error. */
  failing: { probe: string; error: string | null }[];
  latencyMs: number | null;
  at: number | null;
}

export interface ServiceRow {
  service: string;
  status: ServiceStatus;
  probes: string[];
  cells: MatrixCell[];
}

export interface SiteColumn {
  site: string;
  status: SiteStatus;
  /** Why a site is cut off: `unreachable` (fails everything) or `silent` (no results). */
  reason: 'unreachable' | 'silent' | null;
}

export interface Matrix {
  at: number;
  sites: SiteColumn[];
  services: ServiceRow[];
}

/** A result older than this does not count: three intervals and the timeout, plus 5 s for delivery. */
export const staleAfterMs = (p: Pick<ProbeDefinition, 'intervalMs' | 'timeoutMs'>): number =>
  3 * p.intervalMs + p.timeoutMs + 5_000;

export interface MatrixInput {
  probes: readonly Pick<ProbeDefinition, 'name' | 'service' | 'intervalMs' | 'timeoutMs' | 'failures'>[];
  /** Per probe, the sites it runs at. */
  sitesOf: ReadonlyMap<string, readonly string[]>;
  cells: readonly Cell[];
  now: number;
}

function cellState(
  p: MatrixInput['probes'][number],
  cell: Cell | undefined,
  now: number,
): Exclude<CellState, 'none'> | 'none' {
  if (cell === undefined) return 'none';
  if (now - cell.at > staleAfterMs(p)) return 'stale';
  return !cell.ok && cell.failures >= p.failures ? 'fail' : 'ok';
}

/** Worst first: a service fails at a site when any of its probes there fails. */
function combine(states: CellState[]): CellState {
  if (states.includes('fail')) return 'fail';
  if (states.includes('ok')) return 'ok';
  if (states.includes('stale')) return 'stale';
  return 'none';
}

export function buildMatrix(input: MatrixInput): Matrix {
  const { now } = input;
  const byKey = new Map(input.cells.map((c) => [`${c.probe}\u0000${c.site}`, c]));
  const services = new Map<string, MatrixInput['probes'][number][]>();
  for (const p of input.probes) services.set(p.service, [...(services.get(p.service) ?? []), p]);
  const allSites = [...new Set([...input.sitesOf.values()].flat())].sort();

  // Per service and site: the combined state of its probes there.
  const grid = new Map<string, Map<string, MatrixCell>>();
  for (const [service, probes] of services) {
    const row = new Map<string, MatrixCell>();
    const sites = [...new Set(probes.flatMap((p) => input.sitesOf.get(p.name) ?? []))].sort();
    for (const site of sites) {
      const here = probes.filter((p) => input.sitesOf.get(p.name)?.includes(site));
      const states = here.map((p) => ({ p, cell: byKey.get(`${p.name}\u0000${site}`) }));
      const judged = states.map((s) => ({ ...s, state: cellState(s.p, s.cell, now) }));
      const fresh = judged.filter((j) => j.state === 'ok' || j.state === 'fail');
      const latencies = fresh.map((j) => j.cell!.latencyMs).filter((l): l is number => l !== null);
      row.set(site, {
        site,
        state: combine(judged.map((j) => j.state)),
        failing: judged
          .filter((j) => j.state === 'fail')
          .map((j) => ({ probe: j.p.name, error: j.cell!.error })),
        latencyMs: latencies.length > 0 ? Math.max(...latencies) : null,
        at: fresh.length > 0 ? Math.max(...fresh.map((j) => j.cell!.at)) : null,
      });
    }
    grid.set(service, row);
  }

  const heard = (site: string) =>
    [...grid.values()].some((row) => ['ok', 'fail'].includes(row.get(site)?.state ?? 'none'));
  const anyoneHeard = allSites.some(heard);
  const cellsOf = (site: string) =>
    [...grid.entries()].flatMap(([service, row]) => {
      const c = row.get(site);
      return c ? [{ service, cell: c }] : [];
    });
  const okElsewhere = (service: string, site: string) =>
    [...grid.get(service)!.values()].some((c) => c.site !== site && c.state === 'ok');
  const heardElsewhere = (service: string, site: string) =>
    [...grid.get(service)!.values()].some((c) => c.site !== site && (c.state === 'ok' || c.state === 'fail'));

  const columns: SiteColumn[] = allSites.map((site) => {
    const mine = cellsOf(site);
    const fresh = mine.filter((m) => m.cell.state === 'ok' || m.cell.state === 'fail');
    if (!anyoneHeard) return { site, status: 'unknown', reason: null };
    if (fresh.length === 0) {
      // Heard from before (stale results) but not now, while others report: silent.
      const wasHeard = mine.some((m) => m.cell.state === 'stale');
      return wasHeard
        ? { site, status: 'cut_off', reason: 'silent' }
        : { site, status: 'unknown', reason: null };
    }
    const failing = fresh.filter((m) => m.cell.state === 'fail');
    // Services only this site checks cannot tell; those others check must all be reached there.
    const compared = failing.filter((m) => heardElsewhere(m.service, site));
    if (
      failing.length === fresh.length &&
      compared.length > 0 &&
      compared.every((m) => okElsewhere(m.service, site))
    )
      return { site, status: 'cut_off', reason: 'unreachable' };
    return { site, status: failing.length > 0 ? 'degraded' : 'ok', reason: null };
  });
  const cutOff = new Set(columns.filter((c) => c.status === 'cut_off').map((c) => c.site));

  const rows: ServiceRow[] = [...grid.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([service, row]) => {
      const counted = [...row.values()].filter(
        (c) => !cutOff.has(c.site) && (c.state === 'ok' || c.state === 'fail'),
      );
      const failing = counted.filter((c) => c.state === 'fail').length;
      const status: ServiceStatus =
        counted.length === 0
          ? 'unknown'
          : failing === counted.length
            ? 'down'
            : failing > 0
              ? 'partial'
              : 'up';
      return {
        service,
        status,
        probes: services
          .get(service)!
          .map((p) => p.name)
          .sort(),
        cells: [...row.values()],
      };
    });
  return { at: now, sites: columns, services: rows };
}

/** A change the evaluator acts on: a site cut off or back, a service down or back. */
export type Transition =
  | { type: 'site.cut_off'; site: string; reason: 'unreachable' | 'silent' }
  | { type: 'site.recovered'; site: string }
  | { type: 'service.down'; service: string; failing: { site: string; errors: string[] }[] }
  | { type: 'service.recovered'; service: string };

/** The subject keys of the evaluator's state. */
export const siteSubject = (site: string) => `site:${site}`;
export const serviceSubject = (service: string) => `service:${service}`;

/**
 * What changed since the statuses last acted on (`previous`, by subject). `unknown` changes
 * nothing: no news is not a recovery. Answers the transitions and the statuses to keep.
 */
export function matrixTransitions(
  previous: ReadonlyMap<string, string>,
  m: Matrix,
): { transitions: Transition[]; next: Map<string, { status: string; reason: string | null }> } {
  const transitions: Transition[] = [];
  const next = new Map<string, { status: string; reason: string | null }>();
  for (const s of m.sites) {
    if (s.status === 'unknown') continue;
    const key = siteSubject(s.site);
    const was = previous.get(key);
    next.set(key, { status: s.status, reason: s.reason });
    if (s.status === 'cut_off' && was !== 'cut_off')
      transitions.push({ type: 'site.cut_off', site: s.site, reason: s.reason ?? 'unreachable' });
    else if (s.status !== 'cut_off' && was === 'cut_off')
      transitions.push({ type: 'site.recovered', site: s.site });
  }
  for (const r of m.services) {
    if (r.status === 'unknown') continue;
    const key = serviceSubject(r.service);
    const was = previous.get(key);
    next.set(key, { status: r.status, reason: null });
    if (r.status === 'down' && was !== 'down')
      transitions.push({
        type: 'service.down',
        service: r.service,
        failing: r.cells
          .filter((c) => c.state === 'fail')
          .map((c) => ({ site: c.site, errors: c.failing.map((f) => f.error ?? f.probe) })),
      });
    else if (r.status !== 'down' && was === 'down')
      transitions.push({ type: 'service.recovered', service: r.service });
  }
  return { transitions, next };
}
