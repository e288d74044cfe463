/**
 * Hand-off: when an agent's results make steps of its site ready, give it those steps in the same
 * transaction by writing them as running, with no claim query. A chain of steps then costs one
 * transaction per step and no statement beyond the transition's own writes.
 */
import type { Action } from '../core/engine/index.ts';
import type { ClaimedStep, ClaimingAgent, StepWrites } from '../store/index.ts';
import type { EffectSink } from './effects.ts';
import { needsPreparation } from './claim-prepare.ts';

/**
 * Steps made ready in `sink` that `agent` may run, turned into its claims (at most `max`). Steps
 * that need claim-time preparation (secrets, host keys) are left for the regular claim.
 */
export function handOff(
  sink: EffectSink,
  agent: ClaimingAgent,
  max: number,
  lease: { token: string; now: number; leaseMs: number },
): ClaimedStep[] {
  const out: ClaimedStep[] = [];
  const agentLabels = new Set(agent.labels);
  for (const [id, at] of sink.ready) {
    if (out.length >= max) break;
    if (at.site !== agent.site) continue;
    const row = pendingRow(sink.steps, id);
    if (!row || row.status !== 'ready' || row.action === null) continue;
    if ((row.available_at ?? 0) > lease.now) continue;
    const labels = row.labels === null ? [] : (JSON.parse(row.labels) as string[]);
    if (!labels.every((l) => agentLabels.has(l))) continue;
    const action = JSON.parse(row.action) as Action;
    if (needsPreparation(action)) continue;
    row.status = 'running';
    row.attempt += 1;
    row.lease_token = lease.token;
    row.lease_expires_at = lease.now + lease.leaseMs;
    row.agent = agent.id;
    row.started_at = lease.now;
    row.cancel_requested = 0;
    sink.ready.delete(id);
    out.push({
      runId: row.run_id,
      key: row.key,
      attempt: row.attempt,
      leaseToken: lease.token,
      action,
      idempotencyKey: `${row.run_id}/${row.key}/${row.attempt}`,
    });
  }
  return out;
}

function pendingRow(w: StepWrites, id: string) {
  return w.updates.get(id)?.row ?? w.inserts.get(id);
}
