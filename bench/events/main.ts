/**
 * `npm run bench:events [-- --only sqlite,pg] [--quick] [--skip-ingest] [--skip-grouping]`
 *
 * Alert ingest over real HTTP (ingest.ts): events/s accepted and stored, and per-request latency
 * (p50/p95/p99), for 10,000 distinct fingerprints sent one per request and in Alertmanager-sized
 * batches, then repeated (deduplicated); and incident grouping with an estate of 100,000
 * resources (grouping.ts). On SQLite and PostgreSQL, printed side by side, written as JSON to
 * bench/results/events-<date>.json and bench/results/events-latest.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { benchPgWhere, serverInfo } from '../engine/postgres.ts';
import { runGrouping, type GroupingResult, type GroupingSizes } from './grouping.ts';
import { runIngest, type IngestResult, type IngestSizes, type StoreKind } from './ingest.ts';

const resultsDir = fileURLToPath(new URL('../results/', import.meta.url));
const log = (line = ''): void => void process.stdout.write(`${line}\n`);

const FULL = {
  ingest: {
    fingerprints: 10_000,
    hosts: 1_000,
    batch: 100,
    concurrency: 8,
    warmup: 200,
  } satisfies IngestSizes,
  grouping: { resources: 100_000, failingClusters: 50, alerts: 2_000 } satisfies GroupingSizes,
};
const QUICK = {
  ingest: { fingerprints: 1_000, hosts: 200, batch: 100, concurrency: 8, warmup: 50 } satisfies IngestSizes,
  grouping: { resources: 10_000, failingClusters: 10, alerts: 200 } satisfies GroupingSizes,
};

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    only: { type: 'string', default: 'sqlite,pg' },
    quick: { type: 'boolean', default: false },
    'skip-ingest': { type: 'boolean', default: false },
    'skip-grouping': { type: 'boolean', default: false },
  },
});
const stores = values.only.split(',').map((s) => {
  if (s !== 'sqlite' && s !== 'pg') throw new Error(`--only: sqlite and/or pg, not "${s}"`);
  return s;
});
const sizes = values.quick ? QUICK : FULL;

const fmt = (x: number | undefined, digits = 2) =>
  x === undefined || Number.isNaN(x)
    ? '—'
    : x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const int = (x: number | undefined) => (x === undefined ? '—' : Math.round(x).toLocaleString('en-US'));

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function ingestTable(results: IngestResult[]): string {
  const rows = [
    ['store', 'phase', 'alerts/request', 'events/s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'outcomes'],
  ];
  for (const r of results)
    for (const p of r.phases)
      rows.push([
        r.store,
        p.phase,
        fmt(p.events / p.requests, 0),
        int(p.eventsPerSec),
        fmt(p.latencyMs.p50),
        fmt(p.latencyMs.p95),
        fmt(p.latencyMs.p99),
        fmt(p.latencyMs.max),
        Object.entries(p.outcomes)
          .map(([k, v]) => `${k} ${v}`)
          .join(', '),
      ]);
  return table(rows);
}

function sideBySide(results: IngestResult[]): string {
  const by = (s: StoreKind, phase: string) =>
    results.find((r) => r.store === s)?.phases.find((p) => p.phase === phase);
  const rows = [['', ...results.map((r) => r.store)]];
  for (const phase of ['single', 'batch', 'repeat'])
    rows.push([
      `${phase} events/s (p99 ms)`,
      ...results.map(
        (r) => `${int(by(r.store, phase)?.eventsPerSec)} (${fmt(by(r.store, phase)?.latencyMs.p99)})`,
      ),
    ]);
  rows.push([
    'batch ÷ single events/s',
    ...results.map((r) => {
      const b = by(r.store, 'batch')?.eventsPerSec;
      const s = by(r.store, 'single')?.eventsPerSec;
      return b === undefined || s === undefined ? '—' : `${fmt(b / s)}×`;
    }),
  ]);
  rows.push(['stored / answered', ...results.map((r) => `${int(r.stored)} / ${int(r.answered)}`)]);
  return table(rows);
}

function groupingTable(results: GroupingResult[]): string {
  const rows = [
    [
      'store',
      'resources',
      'apply s',
      'decision p50',
      'p95',
      'p99',
      'ingest p50',
      'p95',
      'p99',
      'deps/alert',
      'outcomes',
    ],
  ];
  for (const r of results)
    rows.push([
      r.store,
      int(r.estate.clusters + r.estate.hosts + r.estate.databases + r.estate.services),
      fmt(r.applySeconds, 1),
      fmt(r.decisionMs.p50),
      fmt(r.decisionMs.p95),
      fmt(r.decisionMs.p99),
      fmt(r.ingestMs.p50),
      fmt(r.ingestMs.p95),
      fmt(r.ingestMs.p99),
      fmt(r.meanDependencies, 1),
      Object.entries(r.outcomes)
        .map(([k, v]) => `${k} ${v}`)
        .join(', '),
    ]);
  return table(rows);
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return '?';
  }
}

const startedAt = new Date();
const load = loadavg();
log(
  `machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${Math.round(totalmem() / 2 ** 30)} GiB, ` +
    `${platform()} ${release()}, node ${process.version}; load ${load.map((l) => l.toFixed(2)).join(' ')}`,
);
const pg = stores.includes('pg') ? await serverInfo() : undefined;
if (pg)
  log(
    `PostgreSQL ${pg.version} at ${benchPgWhere()} (${Object.entries(pg.settings)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')})`,
  );

const ingest: IngestResult[] = [];
if (!values['skip-ingest']) {
  log('\ningest over HTTP');
  for (const s of stores) ingest.push(await runIngest(s, sizes.ingest, log));
  log(
    `\n${ingestTable(ingest)}\n(latency per request, from sending to the 200 answer: the events are committed then)`,
  );
  log(`\n${sideBySide(ingest)}`);
  for (const r of ingest)
    if (r.stored !== r.answered)
      log(`!! ${r.store}: ${r.answered} events answered 200 but ${r.stored} stored`);
}

const grouping: GroupingResult[] = [];
if (!values['skip-grouping']) {
  log('\ngrouping with a large estate (in process)');
  for (const s of stores) grouping.push(await runGrouping(s, sizes.grouping, log));
  log(`\n${groupingTable(grouping)}`);
  log(
    '(ms per alert; decision = resolve the resource + walk its dependencies + find open incidents on them;\n' +
      ' ingest = decision and every write of the alert in one transaction)',
  );
}

const result = {
  benchmark: 'events',
  startedAt: startedAt.toISOString(),
  finishedAt: new Date().toISOString(),
  quick: values.quick,
  commit: gitCommit(),
  machine: {
    cpus: cpus().length,
    model: cpus()[0]?.model ?? '?',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    platform: `${platform()} ${release()}`,
    node: process.version,
    loadavgAtStart: load,
    loadavgAtEnd: loadavg(),
  },
  postgres: pg ?? null,
  ingest,
  grouping,
};
await mkdir(resultsDir, { recursive: true });
const text = `${JSON.stringify(result, null, 2)}\n`;
const file = `${resultsDir}events-${startedAt.toISOString().slice(0, 10)}${values.quick ? '-quick' : ''}.json`;
await writeFile(file, text);
if (!values.quick) await writeFile(`${resultsDir}events-latest.json`, text);
log(`\nwrote ${file}`);
