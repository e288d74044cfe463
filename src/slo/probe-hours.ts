/**
 * Probe results counted per probe, site and hour (`slo_probe_hours`), so SLOs see months back
 * while raw results are kept a week; and the series an availability indicator reads: hours from
 * the roll-up, the last hours minute by minute from the raw results.
 */
import { sql } from 'kysely';
import { errorMessage } from '../core/errors.ts';
import { HOUR_MS, type Slice } from '../core/slo/index.ts';
import type { Logger } from '../engine/deps.ts';
import type { Store, Tx } from '../store/index.ts';

/**
 * The last 6 hours are read from raw results, minute by minute: burn rates over 1 h and 6 h need
 * that grain, and it leaves the roll-up hours to catch up (results arrive late by up to a few
 * minutes).
 */
export const RAW_SPAN_MS = 6 * HOUR_MS;
const MINUTE_MS = 60_000;
/** Every pass rolls up the last 3 complete hours again (late results change them). */
const REDO_HOURS = 3;
/** At start, every hour raw results may still hold: a week (their retention). */
const FIRST_SPAN_MS = 8 * 24 * HOUR_MS;
const ROLLUP_EVERY_MS = 5 * 60_000;

export const floorHour = (t: number): number => t - (((t % HOUR_MS) + HOUR_MS) % HOUR_MS);

/**
 * Count the results of hours in [from, to) (hour-aligned) into `slo_probe_hours`. Idempotent: the
 * counts are recomputed from the raw results, so replicas doing it together agree.
 */
export async function rollupProbeHours(tx: Tx, from: number, to: number): Promise<number> {
  const res = await tx.db
    .insertInto('slo_probe_hours')
    .columns(['probe', 'site', 'hour', 'good', 'total'])
    .expression((eb) =>
      eb
        .selectFrom('probe_results')
        .select([
          'probe',
          'site',
          sql<number>`at - (at % ${sql.lit(HOUR_MS)})`.as('hour'),
          sql<number>`sum(ok)`.as('good'),
          sql<number>`count(*)`.as('total'),
        ])
        .where('at', '>=', floorHour(from))
        .where('at', '<', floorHour(to))
        .groupBy(['probe', 'site', sql`at - (at % ${sql.lit(HOUR_MS)})`]),
    )
    .onConflict((oc) =>
      oc.columns(['probe', 'site', 'hour']).doUpdateSet((eb) => ({
        good: eb.ref('excluded.good'),
        total: eb.ref('excluded.total'),
      })),
    )
    .executeTakeFirst();
  return Number(res.numInsertedOrUpdatedRows ?? 0);
}

export interface ProbeSliceQuery {
  probes: readonly string[];
  /** null: every site. */
  sites: readonly string[] | null;
  from: number;
  to: number;
  now: number;
}

/** Good and all results per site and minute over [from, to), from the raw results. */
async function rawSlices(store: Store, q: ProbeSliceQuery, from: number, to: number): Promise<Slice[]> {
  if (from >= to) return [];
  const minute = sql<number>`at - (at % ${sql.lit(MINUTE_MS)})`;
  let rq = store.db
    .selectFrom('probe_results')
    .select(['site', minute.as('minute'), sql<number>`sum(ok)`.as('good'), sql<number>`count(*)`.as('total')])
    .where('probe', 'in', [...q.probes])
    .where('at', '>=', from)
    .where('at', '<', to)
    .groupBy(['site', minute]);
  if (q.sites) rq = rq.where('site', 'in', [...q.sites]);
  return (await rq.execute()).map((r) => ({
    at: r.minute,
    good: r.good,
    total: r.total,
    site: r.site,
  }));
}

/** Good and all results per site and hour over [from, to) (hour-aligned), from the roll-up. */
async function hourSlices(store: Store, q: ProbeSliceQuery, from: number, to: number): Promise<Slice[]> {
  if (from >= to) return [];
  let hq = store.db
    .selectFrom('slo_probe_hours')
    .select(['site', 'hour', sql<number>`sum(good)`.as('good'), sql<number>`sum(total)`.as('total')])
    .where('probe', 'in', [...q.probes])
    .where('hour', '>=', from)
    .where('hour', '<', to)
    .groupBy(['site', 'hour']);
  if (q.sites) hq = hq.where('site', 'in', [...q.sites]);
  return (await hq.execute()).map((r) => ({
    at: r.hour,
    good: r.good,
    total: r.total,
    site: r.site,
  }));
}

/**
 * Good and all results of the probes over [from, to): whole hours before the raw span from the
 * roll-up, the rest (the raw span, and the part of an hour a window starts in) from raw results,
 * minute by minute. A window reaching back past the raw results' retention starts on the hour.
 */
export async function probeSlices(store: Store, q: ProbeSliceQuery): Promise<Slice[]> {
  if (q.probes.length === 0 || q.sites?.length === 0) return [];
  const rawFrom = Math.max(q.from, floorHour(q.now) - RAW_SPAN_MS);
  const hoursFrom = Math.min(floorHour(q.from + HOUR_MS - 1), rawFrom);
  const hoursTo = Math.max(hoursFrom, Math.min(q.to, rawFrom));
  const slices = [
    ...(await rawSlices(store, q, q.from, Math.min(hoursFrom, q.to))),
    ...(await hourSlices(store, q, hoursFrom, floorHour(hoursTo))),
    ...(await rawSlices(store, q, Math.max(floorHour(hoursTo), hoursFrom), q.to)),
  ];
  return slices.sort((a, b) => a.at - b.at);
}

/** The probes an availability indicator counts: those named, or every probe of the service. */
export async function probesOfService(
  store: Store,
  service: string,
  named: readonly string[] | null,
): Promise<string[]> {
  if (named) return [...named];
  const rows = await store.db.selectFrom('probes').select('name').where('service', '=', service).execute();
  return rows.map((r) => r.name).sort();
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}

/** Roll up probe hours until `signal` aborts: a week back at start, then the last hours every 5 min. */
export async function runProbeRollup(
  deps: { store: Store; clock: () => number; log: Logger },
  signal: AbortSignal,
  o: { everyMs?: number } = {},
): Promise<void> {
  let first = true;
  while (!signal.aborted) {
    const now = deps.clock();
    const from = first ? now - FIRST_SPAN_MS : floorHour(now) - REDO_HOURS * HOUR_MS;
    try {
      // A day at a time: each transaction stays short.
      for (let t = floorHour(from); t < floorHour(now) && !signal.aborted; t += 24 * HOUR_MS) {
        const end = Math.min(t + 24 * HOUR_MS, floorHour(now));
        await deps.store.transaction((tx) => rollupProbeHours(tx, t, end));
      }
      first = false;
    } catch (err: unknown) {
      deps.log.error({ err: errorMessage(err) }, 'probe results not rolled up; trying again');
    }
    await sleep(o.everyMs ?? ROLLUP_EVERY_MS, signal);
  }
}
