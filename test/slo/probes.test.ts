/**
 * Availability SLOs from probe results on both stores: hourly roll-ups, the series an indicator
 * reads (hours from the roll-up, the last hours minute by minute, nothing counted twice), the
 * state now with an injected clock, and calendar-month reports per site.
 */
import { expect, it } from 'vitest';
import { parseSlo } from '../../src/core/slo/index.ts';
import { silentLogger } from '../../src/engine/deps.ts';
import { putProbe, recordResults, type ProbeResult } from '../../src/probes/index.ts';
import {
  floorHour,
  probeSlices,
  rollupProbeHours,
  runProbeRollup,
  sloMonthReport,
  sloStatus,
} from '../../src/slo/index.ts';
import type { Store } from '../../src/store/index.ts';
import { describeEachStore } from '../support/stores.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const SH = 'idc-shanghai';
const HZ = 'cloud-hangzhou';

const SLO = parseSlo(`apiVersion: tandem/v1
kind: SLO
metadata: { name: shop-up }
spec:
  service: shop
  objective: 99
  window: 1d
  availability: {}
`);

async function addProbe(store: Store, name: string, service: string): Promise<void> {
  await putProbe(
    store.db,
    {
      name,
      description: null,
      service,
      sites: '',
      intervalMs: 60_000,
      timeoutMs: 5_000,
      failures: 1,
      check: { type: 'tcp', host: '127.0.0.1', port: 1 },
    },
    'test',
    0,
  );
}

/** One result a minute per site over [from, to); `bad(site, t)` says which fail. */
async function results(
  store: Store,
  probe: string,
  from: number,
  to: number,
  bad: (site: string, t: number) => boolean = () => false,
): Promise<void> {
  const rows: ProbeResult[] = [];
  for (let t = from; t < to; t += MIN)
    for (const site of [SH, HZ]) {
      const fail = bad(site, t);
      rows.push({ probe, site, agent: null, at: t, ok: !fail, latencyMs: 5, error: fail ? 'refused' : null });
    }
  for (let i = 0; i < rows.length; i += 2000) await recordResults(store.db, rows.slice(i, i + 2000));
}

describeEachStore('availability SLOs from probe results', (ctx) => {
  it('roll results up per probe, site and hour, the same however often it runs', async () => {
    const { store } = ctx();
    const h0 = Date.UTC(2026, 10, 2, 10);
    await results(
      store,
      'shop-http',
      h0,
      h0 + 2 * HOUR,
      (site, t) => site === HZ && t >= h0 + HOUR + 50 * MIN,
    );
    for (let i = 0; i < 2; i++) await store.transaction((tx) => rollupProbeHours(tx, h0, h0 + 2 * HOUR));
    const rows = await store.db
      .selectFrom('slo_probe_hours')
      .selectAll()
      .orderBy('site')
      .orderBy('hour')
      .execute();
    expect(rows.map((r) => [r.site, r.hour - h0, r.good, r.total])).toEqual([
      [HZ, 0, 60, 60],
      [HZ, HOUR, 50, 60],
      [SH, 0, 60, 60],
      [SH, HOUR, 60, 60],
    ]);
    // A result delivered late is counted the next time.
    await recordResults(store.db, [
      { probe: 'shop-http', site: SH, agent: null, at: h0 + 30, ok: false, latencyMs: null, error: 'late' },
    ]);
    await store.transaction((tx) => rollupProbeHours(tx, h0, h0 + HOUR));
    const first = await store.db
      .selectFrom('slo_probe_hours')
      .selectAll()
      .where('site', '=', SH)
      .where('hour', '=', h0)
      .executeTakeFirstOrThrow();
    expect([first.good, first.total]).toEqual([60, 61]);
  });

  it('read hours from the roll-up and the last hours from raw results, counting each result once', async () => {
    const { store } = ctx();
    const now = Date.UTC(2026, 10, 2, 12, 30);
    await results(store, 'shop-http', now - 10 * HOUR, now);
    await store.transaction((tx) => rollupProbeHours(tx, now - 10 * HOUR, floorHour(now)));
    const slices = await probeSlices(store, {
      probes: ['shop-http'],
      sites: null,
      from: now - 10 * HOUR,
      to: now,
      now,
    });
    expect(slices.reduce((n, s) => n + s.total, 0)).toBe(2 * 600);
    // The half hour the window starts in and the raw span minute by minute, whole hours between.
    const rawFrom = floorHour(now) - 6 * HOUR;
    const firstHour = floorHour(now - 10 * HOUR) + HOUR;
    const hours = slices.filter((s) => s.at >= firstHour && s.at < rawFrom);
    expect(hours.map((s) => [s.at % HOUR, s.total])).toEqual(Array.from({ length: 6 }, () => [0, 60]));
    expect(slices.filter((s) => s.at < firstHour || s.at >= rawFrom).every((s) => s.total === 1)).toBe(true);
    const one = await probeSlices(store, {
      probes: ['shop-http'],
      sites: [HZ],
      from: now - 10 * HOUR,
      to: now,
      now,
    });
    expect(one.reduce((n, s) => n + s.total, 0)).toBe(600);
    expect(new Set(one.map((s) => s.site))).toEqual(new Set([HZ]));
  });

  it('show the state now: a site failing for the last 20 minutes burns the budget fast', async () => {
    const { store } = ctx();
    const now = Date.UTC(2026, 10, 2, 12, 0);
    await addProbe(store, 'shop-http', 'shop');
    await addProbe(store, 'other-http', 'other');
    await results(store, 'shop-http', now - 24 * HOUR, now, (site, t) => site === HZ && t >= now - 20 * MIN);
    await results(store, 'other-http', now - HOUR, now, () => true);
    await store.transaction((tx) => rollupProbeHours(tx, now - 24 * HOUR, now));
    const status = await sloStatus({ store, clock: () => now, prometheusUrl: null }, SLO);
    expect(status.indicators).toHaveLength(1);
    const a = status.indicators[0]!;
    if (a.error !== null) throw new Error(a.error);
    expect(a.window).toMatchObject({ good: 2 * 1440 - 20, total: 2 * 1440, met: true });
    // 20 of 120 results in the last hour failed: 16.7 % bad over 1 % allowed.
    expect(a.burn1h).toBeCloseTo(20 / 120 / 0.01, 9);
    expect(a.burn6h).toBeCloseTo(20 / 720 / 0.01, 9);
    expect(a.window.budgetRemaining).toBeCloseTo(1 - 20 / 2880 / 0.01, 9);
    expect(a.state).toBe('burning');
  });

  it('report a calendar month overall and per site, nothing of the months around it', async () => {
    const { store } = ctx();
    await addProbe(store, 'shop-http', 'shop');
    const nov1 = Date.UTC(2026, 10, 1);
    // Down in cloud-hangzhou for the first 2 hours of November, and in October's last hour too.
    await results(
      store,
      'shop-http',
      nov1 - 2 * HOUR,
      nov1 + 10 * HOUR,
      (site, t) => site === HZ && t >= nov1 - HOUR && t < nov1 + 2 * HOUR,
    );
    const now = nov1 + 3 * 24 * HOUR;
    await store.transaction((tx) => rollupProbeHours(tx, nov1 - 2 * HOUR, nov1 + 10 * HOUR));
    const deps = { store, clock: () => now, prometheusUrl: null };
    const report = await sloMonthReport(deps, SLO, '2026-11', null);
    expect(report).toMatchObject({ month: '2026-11', from: nov1, to: now, site: null });
    const ind = report.indicators[0]!;
    expect(ind.overall).toMatchObject({ good: 2 * 600 - 120, total: 2 * 600 });
    expect(ind.sites!.map((s) => [s.site, s.figures.good, s.figures.total, s.figures.met])).toEqual([
      [HZ, 480, 600, false],
      [SH, 600, 600, true],
    ]);
    const sh = await sloMonthReport(deps, SLO, '2026-11', SH);
    expect(sh.indicators[0]!.overall).toMatchObject({ good: 600, total: 600, met: true });
    const oct = await sloMonthReport(deps, SLO, '2026-10', null);
    expect(oct.indicators[0]!.overall).toMatchObject({ good: 240 - 60, total: 240 });
  });

  it('the roll-up worker counts the hours raw results still hold, and stops when asked', async () => {
    const { store } = ctx();
    const now = Date.now();
    await results(store, 'shop-http', floorHour(now) - 3 * HOUR, floorHour(now) - HOUR);
    const stop = new AbortController();
    const worker = runProbeRollup({ store, clock: () => now, log: silentLogger }, stop.signal, {
      everyMs: 20,
    });
    try {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const n = await store.db
          .selectFrom('slo_probe_hours')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow();
        if (n.n === 4) break;
        if (Date.now() > deadline) throw new Error(`only ${n.n} hours rolled up`);
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      stop.abort();
      await worker;
    }
  });
});
