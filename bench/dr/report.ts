/** The printed figures of a DR benchmark run, and how they compare with the anchor and the target. */
import { quantile } from '../engine/stats.ts';
import type { Burst } from './burst.ts';
import { POLICY } from './burst.ts';
import type { Drill } from './drills.ts';
import { SIGNALS, type Partition } from './partition.ts';

/** The anchor: Patroni's defaults (ttl 30 s, loop_wait 10 s), failing over within one cluster. */
export const ANCHOR = { patroniTtlS: 30, patroniLoopWaitS: 10 };
/** The target: a cross-site RTO under 30 s, and RPO 0 with synchronous replication. */
export const TARGET = { rtoMs: 30_000, rpoTransactions: 0 };

export interface Spread {
  n: number;
  median: number | null;
  worst: number | null;
}

/** Median (nearest rank) and worst (the largest) of the values that were measured. */
export function spread(values: (number | null | undefined)[]): Spread {
  const got = values
    .filter((v): v is number => typeof v === 'number' && Number.isFinite(v))
    .sort((a, b) => a - b);
  return { n: got.length, median: got.length ? quantile(got, 0.5) : null, worst: got.at(-1) ?? null };
}

export interface Summary {
  drills?: { rtoMs: Spread; rpoTransactions: Spread; promotionMs: Spread; seconds: Spread; failed: number };
  partition?: {
    signals: Record<string, Spread>;
    detectionMs: Spread;
    detectedBy: string[];
    firstAlerts: string[];
  };
  burst?: {
    crossedToServingMs: Spread;
    loadToCrossedMs: Spread;
    crossedToDecisionMs: Spread;
    decisionToServingMs: Spread;
    runMs: Spread;
    stopToRemovedMs: Spread;
    failed: number;
  };
  target?: { rtoMet: boolean | null; rpoMet: boolean | null };
}

export function summarize(drills?: Drill[], partitions?: Partition[], bursts?: Burst[]): Summary {
  const out: Summary = {};
  if (drills) {
    const ok = drills.filter((d) => d.status === 'succeeded');
    out.drills = {
      rtoMs: spread(ok.map((d) => d.rtoMs)),
      rpoTransactions: spread(ok.map((d) => d.rpoTransactions)),
      promotionMs: spread(ok.map((d) => d.promotionMs)),
      seconds: spread(ok.map((d) => d.seconds)),
      failed: drills.length - ok.length,
    };
    const rto = out.drills.rtoMs.worst;
    const rpo = out.drills.rpoTransactions.worst;
    out.target = {
      rtoMet: rto === null ? null : rto < TARGET.rtoMs,
      rpoMet: rpo === null ? null : rpo <= TARGET.rpoTransactions,
    };
  }
  if (partitions) {
    out.partition = {
      signals: Object.fromEntries(SIGNALS.map((s) => [s, spread(partitions.map((p) => p.signals[s]))])),
      detectionMs: spread(partitions.map((p) => p.detectionMs)),
      detectedBy: partitions.map((p) => p.detectedBy ?? 'nothing'),
      firstAlerts: partitions.map((p) => p.firstAlert ?? '—'),
    };
  }
  if (bursts) {
    const ok = bursts.filter((b) => b.error === undefined);
    const of = (k: keyof Omit<Burst, 'error'>) => spread(ok.map((b) => b[k]));
    out.burst = {
      crossedToServingMs: of('crossedToServingMs'),
      loadToCrossedMs: of('loadToCrossedMs'),
      crossedToDecisionMs: of('crossedToDecisionMs'),
      decisionToServingMs: of('decisionToServingMs'),
      runMs: of('runMs'),
      stopToRemovedMs: of('stopToRemovedMs'),
      failed: bursts.length - ok.length,
    };
  }
  return out;
}

const secs = (x: number | null) => (x === null ? '—' : `${(x / 1000).toFixed(1)} s`);
const plain = (x: number | null) => (x === null ? '—' : String(x));

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

const row = (label: string, s: Spread, fmt = secs) => [label, fmt(s.median), fmt(s.worst), String(s.n)];

export function report(s: Summary): string {
  const parts: string[] = [];
  const rows: string[][] = [['figure', 'median', 'worst', 'n']];
  if (s.drills) {
    rows.push(row('DR drill RTO (first failing write → first acknowledged write)', s.drills.rtoMs));
    rows.push(row('DR drill RPO (acknowledged transactions lost)', s.drills.rpoTransactions, plain));
    rows.push(row('  of which: primary killed → standby promoted', s.drills.promotionMs));
    rows.push(
      row('  the whole drill, fail-back included', s.drills.seconds, (x) =>
        x === null ? '—' : `${x.toFixed(1)} s`,
      ),
    );
  }
  if (s.partition) {
    rows.push(row('site partition → Tandem knows (first Tandem signal)', s.partition.detectionMs));
    for (const [signal, sp] of Object.entries(s.partition.signals)) rows.push(row(`  ${signal}`, sp));
  }
  if (s.burst) {
    rows.push(row('burst: threshold crossed → new instance serving via HAProxy', s.burst.crossedToServingMs));
    rows.push(row(`  of which: crossed → decided (for: ${POLICY.for})`, s.burst.crossedToDecisionMs));
    rows.push(row('  of which: decided → serving (runbook, HAProxy check)', s.burst.decisionToServingMs));
    rows.push(row('  load started → threshold crossed (rate window, scrape)', s.burst.loadToCrossedMs));
    rows.push(row('  scale-out run', s.burst.runMs));
    rows.push(row('  load stopped → instance removed (scale-in)', s.burst.stopToRemovedMs));
  }
  parts.push(table(rows));
  if (s.drills && s.drills.failed > 0) parts.push(`${s.drills.failed} drill(s) FAILED (not in the figures)`);
  if (s.burst && s.burst.failed > 0)
    parts.push(`${s.burst.failed} burst cycle(s) FAILED (not in the figures)`);
  if (s.partition)
    parts.push(
      `partition detected first by: ${s.partition.detectedBy.join(', ')}; first alert Tandem received: ${s.partition.firstAlerts.join(', ')}`,
    );
  parts.push(comparison(s));
  return parts.join('\n\n');
}

function comparison(s: Summary): string {
  const lines = [
    'Anchor and target',
    `- Patroni's default automatic failover (ttl ${ANCHOR.patroniTtlS} s, loop_wait ${ANCHOR.patroniLoopWaitS} s), within one ` +
      `cluster: a dead leader is noticed when its leader key expires, up to ~${ANCHOR.patroniTtlS} s, plus up to one ` +
      `loop (${ANCHOR.patroniLoopWaitS} s) before a replica acts: detection alone can take ~${ANCHOR.patroniTtlS}–${ANCHOR.patroniTtlS + ANCHOR.patroniLoopWaitS} s.`,
  ];
  if (s.drills && s.target) {
    const met = (b: boolean | null) => (b === null ? 'not measured' : b ? 'MET' : 'NOT MET');
    lines.push(
      `- Target: cross-site RTO under ${TARGET.rtoMs / 1000} s — ${met(s.target.rtoMet)} (worst ${secs(s.drills.rtoMs.worst)}, ` +
        `median ${secs(s.drills.rtoMs.median)}); RPO 0 with synchronous replication — ${met(s.target.rpoMet)} ` +
        `(worst ${plain(s.drills.rpoTransactions.worst)}).`,
    );
  }
  if (s.drills && s.partition?.detectionMs.median != null && s.drills.rtoMs.median != null)
    lines.push(
      `- An unplanned loss, not a drill: detection + failover ≈ ${secs(s.partition.detectionMs.median)} + ` +
        `${secs(s.drills.rtoMs.median)} = ${secs(s.partition.detectionMs.median + s.drills.rtoMs.median)} (medians) when an ` +
        `alert starts db-failover with no approval; with the approval, add the time a person takes.`,
    );
  lines.push(
    '',
    'What bounds the figures',
    '- Detection: in a drill the runbook kills the primary and fails over at once, so the RTO holds no detection; ' +
      'a real loss is detected by alerts (Prometheus scrapes every 2 s with a 1 s timeout; SiteUnreachable needs 6 s, ' +
      "PostgresDown 4 s; Alertmanager waits 1 s) or probes, and is then a person's or a rule's decision. " +
      'Tandem shows an agent offline only 65 s after it was last seen: not a detector. "—": not within the 80 s ' +
      'watched (probe_cut_off needs probes defined for the site).',
    '- Promotion: pg_promote on the standby (waits for it to leave recovery); then synchronous_standby_names is cleared ' +
      'so the new primary does not wait for a standby it does not have.',
    '- HAProxy: the PostgreSQL entry is checked every 1 s (fall 2, rise 1): the repointed server is taken up within ~1 s.',
    "- Client: the drill's writer counts a write not acknowledged within 0.5 s as failed and pauses 20 ms between writes " +
      "(the RTO resolution); HAProxy's connect timeout is 2 s.",
    '- Orchestration: db-failover is 6 steps on agents in 3 sites (assess, fence ×2, promote, repoint, verify); each ' +
      'hand-off is a claim by a long-polling agent, on a shared 2-core machine.',
    `- Burst: the measure is a 10 s request-rate window scraped every 2 s and evaluated every ${POLICY.interval}; the ` +
      `policy's for (${POLICY.for}) is a choice against flapping; the new server is taken up by HAProxy's 1 s check.`,
  );
  return lines.join('\n');
}
