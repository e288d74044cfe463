/**
 * DR drills: `dr-drill` run N times in a row on the lab. Each kills the primary in idc-shanghai
 * while a client writes through HAProxy every 20 ms, runs db-failover in drill mode (no
 * approval), measures RTO and RPO from the client's log, and fails back (so the next drill
 * starts from the same estate).
 */
import type { ApiClient } from '../../src/cli/client.ts';
import { failureOf, ms, runToEnd, type RunView } from './session.ts';

export interface Drill {
  runId: string;
  status: string;
  /** First failing write → first acknowledged write after it (the drill's measure). */
  rtoMs: number | null;
  /** Acknowledged writes missing on the new primary. */
  rpoTransactions: number | null;
  writesOk: number | null;
  writesFailed: number | null;
  /** Primary killed → standby promoted (inside the RTO). */
  promotionMs: number | null;
  /** The whole drill, fail-back included. */
  seconds: number | null;
  error?: string;
}

const num = (v: unknown): number | null => (v === undefined || v === null || v === '' ? null : Number(v));

function drillOf(run: RunView): Drill {
  const out = run.outputs ?? {};
  const step = (id: string) => run.steps.find((s) => s.id === id)?.outputs ?? {};
  const killed = num(step('kill_primary').killed_at);
  const promoted = num(step('failover').promoted_at);
  const started = ms(run.started_at);
  const finished = ms(run.finished_at);
  return {
    runId: run.id,
    status: run.status,
    rtoMs: num(out.rto_ms),
    rpoTransactions: num(out.rpo_transactions),
    writesOk: num(out.writes_ok),
    writesFailed: num(out.writes_failed),
    promotionMs: killed !== null && promoted !== null ? promoted - killed : null,
    seconds: started !== null && finished !== null ? (finished - started) / 1000 : null,
    ...(run.status === 'succeeded' ? {} : { error: failureOf(run) }),
  };
}

/** Run the drills one after the other; a failed one ends the series (the estate is not as it was). */
export async function runDrills(api: ApiClient, n: number, log: (line: string) => void): Promise<Drill[]> {
  const drills: Drill[] = [];
  for (let i = 1; i <= n; i++) {
    const d = drillOf(await runToEnd(api, 'dr-drill', {}, 900_000));
    drills.push(d);
    log(
      `  drill ${i}/${n}: ${d.status}; RTO ${d.rtoMs ?? '?'} ms, RPO ${d.rpoTransactions ?? '?'} transactions, ` +
        `promotion ${d.promotionMs ?? '?'} ms after the kill, ${d.writesFailed ?? '?'} writes failed; ` +
        `${d.seconds?.toFixed(1) ?? '?'} s with the fail-back`,
    );
    if (d.status !== 'succeeded') {
      log(`  the drill failed (${d.error ?? ''}): no further drills`);
      break;
    }
  }
  return drills;
}
