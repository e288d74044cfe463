/**
 * Latency SLOs against a real Prometheus (Debian's /usr/bin/prometheus on a free loopback port)
 * scraping a tiny exporter this test runs and changes: time slices per site, burn rates, month
 * reports split by `$site`, chunked range queries, and the errors a bad query or a missing
 * Prometheus give.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseSlo } from '../../src/core/slo/index.ts';
import { monthOf } from '../../src/core/slo/index.ts';
import { queryRange, sloMonthReport, sloStatus, type SloDeps } from '../../src/slo/index.ts';
import { startPrometheus, until, type Prometheus } from '../estate/prometheus.ts';
import { freePort } from '../support/server-process.ts';
import { createTestStore, type TestStoreHandle } from '../support/stores.ts';

/** Latency in seconds the exporter reports per site; the test changes it. */
const latency: Record<string, number> = { 'idc-shanghai': 0.1, 'cloud-hangzhou': 0.5 };
let exporter: Server;
let prometheus: Prometheus;
let handle: TestStoreHandle;
let deps: SloDeps;
let passed = false;

function metrics(): string {
  const lines = ['# TYPE tandem_test_latency_seconds gauge'];
  for (const [site, v] of Object.entries(latency))
    lines.push(`tandem_test_latency_seconds{site="${site}"} ${v}`);
  return `${lines.join('\n')}\n`;
}

const slo = (query: string, prometheusUrl?: string) =>
  parseSlo(`apiVersion: tandem/v1
kind: SLO
metadata: { name: shop-latency }
spec:
  service: shop
  objective: 99
  window: 1h
  latency:
    ${prometheusUrl ? `prometheus: ${prometheusUrl}` : ''}
    query: '${query}'
    threshold: 0.3
    step: 1s
`);

const PER_SITE = 'max(tandem_test_latency_seconds{site=~"$site"})';

async function samplesSince(from: number, query: string): Promise<number> {
  return (await queryRange(prometheus.url, query, from, Date.now(), 1000)).length;
}

beforeAll(async () => {
  exporter = createServer((req, res) => {
    if (req.url === '/metrics')
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(metrics());
    else res.writeHead(404).end();
  });
  const port = await freePort();
  await new Promise<void>((resolve) => exporter.listen(port, '127.0.0.1', resolve));
  prometheus = await startPrometheus([{ job: 'shop', targets: [`127.0.0.1:${port}`] }]);
  handle = await createTestStore('sqlite', 'slo-prometheus');
  for (const name of Object.keys(latency))
    await handle.store.db
      .insertInto('sites')
      .values({
        name,
        kind: 'idc',
        provider: null,
        region: null,
        labels: '{}',
        description: null,
        created_at: 0,
        updated_at: 0,
      })
      .execute();
  deps = { store: handle.store, clock: Date.now, prometheusUrl: prometheus.url };
}, 60_000);

afterAll(async () => {
  await handle?.dispose(passed);
  await prometheus?.stop();
  await new Promise<void>((resolve) => (exporter ? exporter.close(() => resolve()) : resolve()));
});

it('counts good and bad time slices per site, burns the budget of the slow site, and splits a month by site', async () => {
  const start = Date.now();
  // Five seconds of data at least: a sample a second from the first scrape on.
  await until('Prometheus to hold 5 s of data', async () =>
    (await samplesSince(start, 'max(tandem_test_latency_seconds)')) >= 5 ? true : undefined,
  );
  // Shanghai turns slow for about three seconds.
  latency['idc-shanghai'] = 0.8;
  const slowFrom = Date.now();
  await until('3 s of slow Shanghai', async () =>
    (
      await queryRange(
        prometheus.url,
        'max(tandem_test_latency_seconds{site="idc-shanghai"}) > 0.3',
        slowFrom,
        Date.now(),
        1000,
      )
    ).length >= 3
      ? true
      : undefined,
  );
  latency['idc-shanghai'] = 0.1;
  const fastAgain = Date.now();
  await until('Shanghai fast again for 2 s', async () =>
    (
      await queryRange(
        prometheus.url,
        'max(tandem_test_latency_seconds{site="idc-shanghai"}) < 0.3',
        fastAgain,
        Date.now(),
        1000,
      )
    ).length >= 2
      ? true
      : undefined,
  );

  // Over every site, the maximum is Hangzhou's 0.5 s: every slice is bad.
  const status = await sloStatus(deps, slo(PER_SITE));
  const ind = status.indicators[0]!;
  if (ind.error !== null) throw new Error(ind.error);
  expect(ind.window.total).toBeGreaterThanOrEqual(10);
  expect(ind.window.good).toBe(0);
  expect(ind.burn1h).toBeCloseTo(100, 6);
  expect(ind.state).toBe('exhausted');

  // Per site: Hangzhou never good, Shanghai good but for its slow seconds.
  const report = await sloMonthReport(deps, slo(PER_SITE), monthOf(Date.now()), null);
  const month = report.indicators[0]!;
  expect(month.error).toBeNull();
  expect(month.overall!.good).toBe(0);
  const bySite = Object.fromEntries(month.sites!.map((s) => [s.site, s.figures]));
  expect(Object.keys(bySite).sort()).toEqual(['cloud-hangzhou', 'idc-shanghai']);
  expect(bySite['cloud-hangzhou']).toMatchObject({ good: 0, met: false });
  const sh = bySite['idc-shanghai']!;
  expect(sh.total - sh.good).toBeGreaterThanOrEqual(3);
  expect(sh.good).toBeGreaterThanOrEqual(5);
  expect(sh.sli).toBeGreaterThan(0);
  expect(sh.sli).toBeLessThan(1);

  const one = await sloMonthReport(deps, slo(PER_SITE), monthOf(Date.now()), 'idc-shanghai');
  // Asked a moment later: the same slow seconds, and a few more good ones.
  const mine = one.indicators[0]!.overall!;
  expect(mine.total).toBeGreaterThanOrEqual(sh.total);
  expect(mine.total - mine.good).toBe(sh.total - sh.good);
  expect(one.indicators[0]!.sites).toBeNull();
  passed = true;
});

it('asks a long range in chunks and gets the same samples, each once', async () => {
  const to = Date.now();
  const from = to - 20_000;
  const whole = await queryRange(prometheus.url, 'max(tandem_test_latency_seconds)', from, to, 1000);
  const chunked = await queryRange(prometheus.url, 'max(tandem_test_latency_seconds)', from, to, 1000, {
    maxPoints: 3,
  });
  expect(whole.length).toBeGreaterThan(5);
  expect(chunked).toEqual(whole);
  expect(new Set(chunked.map(([t]) => t)).size).toBe(chunked.length);
});

it('shows an indicator error for a query of several series, bad PromQL, or no Prometheus', async () => {
  const several = await sloStatus(deps, slo('tandem_test_latency_seconds'));
  expect(several.indicators[0]).toMatchObject({ error: expect.stringMatching(/gives 2 series.*aggregate/) });
  const bad = await sloStatus(deps, slo('max(('));
  expect(bad.indicators[0]).toMatchObject({ error: expect.stringMatching(/Prometheus refused the query/) });
  const port = await freePort();
  const down = await sloStatus(deps, slo(PER_SITE, `http://127.0.0.1:${port}`));
  expect(down.indicators[0]).toMatchObject({ error: expect.stringMatching(/cannot be reached/) });
  const none = await sloStatus({ ...deps, prometheusUrl: null }, slo(PER_SITE));
  expect(none.indicators[0]).toMatchObject({ error: expect.stringMatching(/TANDEM_PROMETHEUS_URL/) });
  const noSite = await sloMonthReport(
    deps,
    slo('max(tandem_test_latency_seconds)'),
    monthOf(Date.now()),
    'idc-shanghai',
  );
  expect(noSite.indicators[0]!.error).toMatch(/does not use \$site/);
});
