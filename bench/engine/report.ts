/** The printed tables of an engine benchmark run: figures, ratios ours/peer, and our targets. */
import type { FloorResult } from './postgres.ts';
import type { TargetName, TargetResult } from './workloads.ts';

const fmt = (x: number | undefined, digits = 2): string =>
  x === undefined || Number.isNaN(x)
    ? '—'
    : x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const int = (x: number | undefined): string =>
  x === undefined ? '—' : Math.round(x).toLocaleString('en-US');

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

function loadText(r: TargetResult): string {
  const mean = (phase: string) => {
    const l = (r.load ?? []).filter((x) => x.phase === phase);
    return l.length === 0 ? '—' : (l.reduce((a, x) => a + (x.start + x.end) / 2, 0) / l.length).toFixed(1);
  };
  return `${mean('drain')} / ${mean('latency')}`;
}

export function resultsTable(results: TargetResult[]): string {
  const rows = [
    [
      'target',
      'version',
      'W1 steps/s',
      'W1 setting',
      'W2 p50',
      'W2 p95',
      'W2 p99',
      'W3 ms/step p50',
      'W3 p95',
    ],
  ];
  for (const r of results) {
    rows.push([
      r.label,
      r.version,
      int(r.w1?.perSec),
      r.w1?.setting ?? (r.error ? 'FAILED' : '—'),
      fmt(r.w2?.p50),
      fmt(r.w2?.p95),
      fmt(r.w2?.p99),
      fmt(r.w3?.p50),
      fmt(r.w3?.p95),
      loadText(r),
    ]);
  }
  return `${table(rows)}\n(W2 in ms from start call to executor invoked; W3 end-to-end per run ÷ ${results.find((r) => r.w3)?.w3?.steps ?? 10};
 load: the machine's 1-minute load average, mean over the target's processes, drain / latency rounds; 2 cores)`;
}

export interface Ratio {
  ours: TargetName;
  peer: TargetName;
  /** ours ÷ peer: above 1 is better for W1, below 1 is better for W2 and W3. */
  w1?: number;
  w2p50?: number;
  w3p50?: number;
}

const div = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined || b === undefined || b === 0 ? undefined : Math.round((a / b) * 100) / 100;

export function ratios(results: TargetResult[]): Ratio[] {
  const out: Ratio[] = [];
  for (const ours of results.filter((r) => r.target === 'pg' || r.target === 'sqlite')) {
    for (const peer of results.filter((r) => r.target !== 'pg' && r.target !== 'sqlite')) {
      out.push({
        ours: ours.target,
        peer: peer.target,
        w1: div(ours.w1?.perSec, peer.w1?.perSec),
        w2p50: div(ours.w2?.p50, peer.w2?.p50),
        w3p50: div(ours.w3?.p50, peer.w3?.p50),
      });
    }
  }
  return out;
}

export function ratiosTable(list: Ratio[], results: TargetResult[]): string {
  const label = (t: TargetName) => results.find((r) => r.target === t)?.label ?? t;
  const x = (v: number | undefined) => (v === undefined ? '—' : `${fmt(v)}×`);
  const rows = [['ours / peer', 'W1 (↑ better)', 'W2 p50 (↓ better)', 'W3 p50 (↓ better)']];
  for (const r of list) rows.push([`${label(r.ours)} / ${label(r.peer)}`, x(r.w1), x(r.w2p50), x(r.w3p50)]);
  return table(rows);
}

export interface TargetCheck {
  goal: string;
  measured: string;
  met: boolean | undefined;
}

/** Our targets: on PostgreSQL against graphile-worker and DBOS; on SQLite in absolute terms. */
export function targetChecks(results: TargetResult[]): TargetCheck[] {
  const by = (t: TargetName) => results.find((r) => r.target === t);
  const pg = by('pg');
  const sqlite = by('sqlite');
  const gw = by('graphile');
  const dbos = by('dbos');
  const checks: TargetCheck[] = [];
  const lt = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined ? undefined : a < b;
  const le = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined ? undefined : a <= b;
  if (pg) {
    checks.push({
      goal: 'PG W3 p50 below graphile-worker’s',
      measured: `${fmt(pg.w3?.p50)} vs ${fmt(gw?.w3?.p50)} ms/step`,
      met: lt(pg.w3?.p50, gw?.w3?.p50),
    });
    checks.push({
      goal: 'PG W3 p50 below DBOS’s',
      measured: `${fmt(pg.w3?.p50)} vs ${fmt(dbos?.w3?.p50)} ms/step`,
      met: lt(pg.w3?.p50, dbos?.w3?.p50),
    });
    checks.push({
      goal: 'PG W1 ≥ graphile-worker’s',
      measured: `${int(pg.w1?.perSec)} vs ${int(gw?.w1?.perSec)} steps/s`,
      met: le(gw?.w1?.perSec, pg.w1?.perSec),
    });
    checks.push({
      goal: 'PG W2 p50 ≤ 1.5× graphile-worker’s',
      measured: `${fmt(pg.w2?.p50)} vs 1.5 × ${fmt(gw?.w2?.p50)} ms`,
      met: le(pg.w2?.p50, gw?.w2?.p50 === undefined ? undefined : gw.w2.p50 * 1.5),
    });
  }
  if (sqlite) {
    checks.push({
      goal: 'SQLite W3 p50 < 1 ms/step',
      measured: `${fmt(sqlite.w3?.p50)} ms/step`,
      met: lt(sqlite.w3?.p50, 1),
    });
    checks.push({
      goal: 'SQLite W1 > 5,000 steps/s',
      measured: `${int(sqlite.w1?.perSec)} steps/s`,
      met: lt(5000, sqlite.w1?.perSec),
    });
  }
  return checks;
}

export function targetsTable(checks: TargetCheck[]): string {
  const rows = [['target', 'measured', 'met']];
  for (const c of checks) rows.push([c.goal, c.measured, c.met === undefined ? 'n/a' : c.met ? 'yes' : 'NO']);
  return table(rows);
}

/** Figures measured on a similar machine, quoted in the issue that asked for this benchmark. */
export const REFERENCE = {
  graphile: { w1PerSec: 2150, w1Setting: 'concurrency 10', w2p50: 0.9, w3p50: 2.7 },
  dbos: { w1PerSec: 585, w3p50: 2.9 },
  pgboss: { w1PerSec: 130, w3p50: 3.5 },
  floorCommitsPerSec: 1950,
} as const;

export function referenceLine(): string {
  const r = REFERENCE;
  return (
    `reference (similar machine, from the issue): graphile-worker W1 ≈ ${int(r.graphile.w1PerSec)}/s (${r.graphile.w1Setting}), ` +
    `W2 p50 ≈ ${r.graphile.w2p50} ms, W3 ≈ ${r.graphile.w3p50} ms/step; DBOS W1 ≈ ${r.dbos.w1PerSec}/s, W3 ≈ ${r.dbos.w3p50} ms/step; ` +
    `pg-boss W1 ≈ ${r.pgboss.w1PerSec}/s, W3 ≈ ${r.pgboss.w3p50} ms/step; floor ≈ ${int(r.floorCommitsPerSec)} commits/s`
  );
}

export function floorLine(label: string, f: FloorResult | undefined): string {
  if (!f) return `${label}: —`;
  return `${label}: ${int(f.commitsPerSec)} commits/s (single-row INSERT, autocommit, one connection, ${fmt(f.seconds, 1)} s; p50 ${fmt(f.p50Ms, 3)} ms)`;
}
