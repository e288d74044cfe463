/** The printed tables of an agents benchmark run, and the HTTP-hop check against its target. */
import { round, type LatencySummary } from '../engine/stats.ts';
import type { PgActivity } from './pg-activity.ts';
import type { Usage } from './proc-usage.ts';
import type { RunResult } from './run.ts';

/** The issue's target: the HTTP hop costs under 3 ms at p50. */
export const HOP_TARGET_MS = 3;

export interface HopCheck {
  inProcessP50: number;
  /** (b) from the POST answer, p50, minus the in-process p50: the figure the target is about. */
  hopP50: number;
  /** (b) from the POST being sent, p50, minus the in-process p50: counts the POST's own trip too. */
  hopP50FromSent: number;
  met: boolean;
}

export function hopCheck(r: RunResult): HopCheck {
  const inProcessP50 = r.baseline.w2.p50;
  const hopP50 = round(r.pickup.fromAnswer.p50 - inProcessP50);
  return {
    inProcessP50,
    hopP50,
    hopP50FromSent: round(r.pickup.fromSent.p50 - inProcessP50),
    met: hopP50 < HOP_TARGET_MS,
  };
}

const ms = (x: number) => (Number.isNaN(x) ? '—' : x.toFixed(2));
const int = (x: number) => Math.round(x).toLocaleString('en-US');

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

const latencyRow = (phase: string, what: string, s: LatencySummary): string[] => [
  phase,
  what,
  String(s.n),
  ms(s.p50),
  ms(s.p95),
  ms(s.p99),
  ms(s.max),
];

const usageRow = (phase: string, rate: string, u: Usage): string[] => [
  phase,
  u.seconds.toFixed(1),
  rate,
  `${u.serverCpuPct.toFixed(1)} %`,
  `${u.rssStartMiB.toFixed(0)} / ${u.rssMaxMiB.toFixed(0)} / ${u.rssEndMiB.toFixed(0)}`,
  `${u.simulatorsCpuPct.toFixed(1)} %`,
  `${u.load[0].toFixed(1)} → ${u.load[1].toFixed(1)}`,
];

const pgLine = (phase: string, a: PgActivity | undefined): string[] =>
  a
    ? [
        `${phase} PostgreSQL: ${a.backends} backends of the server, ${a.backendsCpuPct.toFixed(1)} % CPU; ` +
          `connections on average: ${a.states.map((s) => `${s.state} ${s.connections.toFixed(2)}`).join(', ')}`,
      ]
    : [];

export function report(r: RunResult, hop: HopCheck): string {
  const { idle, pickup: p, throughput: t, baseline: b } = r;
  const latency = table([
    ['phase', 'latency (ms)', 'n', 'p50', 'p95', 'p99', 'max'],
    latencyRow('(b) pickup, HTTP', 'POST /runs answered → claim answer at the agent', p.fromAnswer),
    latencyRow('', 'POST /runs sent → claim answer at the agent', p.fromSent),
    latencyRow('', 'server clock: run.started → step.started (whole ms)', p.serverSide),
    latencyRow('', 'POST /runs round trip', p.startCall),
    latencyRow('(d) in-process', 'engine W2: start call → executor invoked', b.w2),
  ]);
  const usage = table([
    ['phase', 's', 'rate', 'server CPU', 'server RSS MiB start/max/end', 'simulators CPU', 'load 1 min'],
    usageRow(`(a) idle, ${idle.agents} agents`, `${idle.requestsPerSec.toFixed(1)} req/s`, idle.usage),
    usageRow('(b) pickup', `${p.serverCpuMsPerRun.toFixed(2)} CPU ms/run`, p.usage),
    usageRow('(c) throughput', `${int(t.stepsPerSec)} steps/s`, t.usage),
  ]);
  const worstClock = r.clock.reduce((a, c) => (Math.abs(c.offsetMs) > Math.abs(a.offsetMs) ? c : a));
  return [
    latency,
    `(d) source: ${b.source}; halves before the server started and after it stopped` +
      ` (load ${b.halves.map((h) => `${h.load[0].toFixed(1)} → ${h.load[1].toFixed(1)}`).join(', ')})`,
    `(b) claim answer before the POST answer: ${p.claimBeforeAnswer} of ${p.runs};` +
      ` simulator clocks vs ours: worst ${worstClock.offsetMs.toFixed(3)} ms (ping ${worstClock.rttMs.toFixed(3)} ms)`,
    '',
    usage,
    `(server CPU: % of one core of 2; simulators: their ${r.clock.length} processes together;` +
      ` server RSS before any agent: ${r.serverRssBeforeAgentsMiB.toFixed(0)} MiB)`,
    `(c) ${int(t.steps)} steps in ${t.seconds.toFixed(2)} s from the first claim to the last completion` +
      ` = ${int(t.stepsPerSec)} steps/s; ${t.serverCpuMsPerStep.toFixed(2)} server CPU ms/step;` +
      ` queued in ${t.queueSeconds.toFixed(1)} s first; refused ${t.refused}, errors ${t.errors}` +
      (t.leftover > 0 ? `; ${t.leftover} pause runs drained with them` : ''),
    ...pgLine('(a)', idle.postgres),
    ...pgLine('(b)', p.postgres),
    ...pgLine('(c)', t.postgres),
    '',
    `HTTP hop at p50, target < ${HOP_TARGET_MS} ms: ${hop.met ? 'PASS' : 'FAIL'}`,
    `  (b) from the POST answer − (d): ${ms(p.fromAnswer.p50)} − ${ms(hop.inProcessP50)} = ${ms(hop.hopP50)} ms` +
      ' (the issue’s figure; (d) includes the start call and this does not: a lower bound)',
    `  (b) from the POST sent − (d):   ${ms(p.fromSent.p50)} − ${ms(hop.inProcessP50)} = ${ms(hop.hopP50FromSent)} ms` +
      ` (adds the POST’s own HTTP trip: an upper bound, ${hop.hopP50FromSent < HOP_TARGET_MS ? 'also under' : 'over'} the target)`,
  ].join('\n');
}

export function profileTable(r: RunResult): string {
  if (!r.profile) return '';
  const rows = [['server self time (whole life, not idle)', 'ms', '%']];
  for (const h of r.profile) rows.push([h.where, int(h.selfMs), h.pct.toFixed(1)]);
  return table(rows);
}
