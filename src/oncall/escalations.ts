/**
 * Durable escalation: one `incident_escalations` row per routed incident says which level was
 * notified last and when the next one is due. The escalation loop takes due rows — with SKIP
 * LOCKED on PostgreSQL, so replicas share the work, and with a conditional update everywhere, so a
 * step is taken once even where rows cannot be locked — decides with the pure core and writes the
 * step, its notification and its timeline entry in one transaction.
 */
import { errorMessage } from '../core/errors.ts';
import type { IncidentSummary } from '../core/events/index.ts';
import { decideEscalation, type EscalationPolicy, type EscalationStep } from '../core/oncall/index.ts';
import type { Logger } from '../engine/deps.ts';
import type { Store, Tx } from '../store/index.ts';
import type { IncidentPort } from './incident-port.ts';
import { notifyEscalation } from './notify.ts';
import { describeTarget, resolveTargets } from './people.ts';
import { findPolicy } from './policies.ts';

/** The wake-up channel of the escalation loop (a hint; it also polls). */
export const ESCALATION_SIGNAL = 'escalations';
const BATCH = 50;
/** Poll at least this often: a wake-up can be missed while a listener reconnects. */
const MAX_IDLE_MS = 1_000;

export interface OncallDeps {
  store: Store;
  clock: () => number;
  log: Logger;
  incidents: IncidentPort;
}

export interface EscalationView {
  incidentId: string;
  policy: string;
  /** The level notified last, 1-based; 0 before the first is. */
  level: number;
  round: number;
  status: 'active' | 'stopped' | 'exhausted';
  dueAt: number | null;
  stopReason: string | null;
  startedAt: number;
}

/** Notify the targets of `step` and record it on the incident's timeline. */
async function takeStep(
  tx: Tx,
  deps: OncallDeps,
  incident: IncidentSummary,
  policy: EscalationPolicy,
  step: EscalationStep,
  now: number,
): Promise<void> {
  const reached = await resolveTargets(tx.db, policy.levels[step.level]!.targets, now);
  const notice = { policy: policy.name, level: step.level + 1, round: step.round, reached };
  await notifyEscalation(tx, deps.store, incident, notice, now);
  const people = [...new Set(reached.flatMap((r) => r.users))];
  const round = step.round > 0 ? ` (repeat ${step.round})` : '';
  await deps.incidents.appendTimeline(
    tx,
    incident.id,
    {
      type: 'escalation.notified',
      message:
        `escalation policy ${policy.name}, level ${step.level + 1}${round}: ` +
        (people.length > 0 ? `notified ${people.join(', ')}` : 'nobody to notify') +
        ` (${reached.map((r) => describeTarget(r.target)).join(', ')})`,
      data: {
        policy: policy.name,
        level: step.level + 1,
        round: step.round,
        users: people,
        targets: reached.map((r) => ({ target: describeTarget(r.target), users: r.users })),
      },
    },
    now,
  );
}

/**
 * Start escalating an incident along `policy`, in the caller's transaction (the one that routes
 * the incident). The row is due at once, at level 0 ("none notified yet"): the escalation loop,
 * woken when the transaction commits, notifies level 1 and records it. An incident escalates
 * once: starting it again is a no-op answering false.
 */
export async function startEscalation(
  tx: Tx,
  incidentId: string,
  policy: string,
  now: number,
): Promise<boolean> {
  const inserted = await tx.db
    .insertInto('incident_escalations')
    .values({
      incident_id: incidentId,
      policy,
      level: -1,
      round: 0,
      status: 'active',
      due_at: now,
      stop_reason: null,
      started_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.column('incident_id').doNothing())
    .executeTakeFirst();
  if ((inserted.numInsertedOrUpdatedRows ?? 0n) === 0n) return false;
  tx.notify(ESCALATION_SIGNAL);
  return true;
}

/**
 * Stop an incident's escalation at once (it was acknowledged or resolved, or a person stopped
 * it); answers whether one was running. Without this call the loop stops by itself when the next
 * level falls due and it finds the incident acknowledged, so nobody more is notified either way.
 */
export async function stopEscalation(
  tx: Tx,
  incidentId: string,
  reason: string,
  now: number,
): Promise<boolean> {
  const res = await tx.db
    .updateTable('incident_escalations')
    .set({ status: 'stopped', due_at: null, stop_reason: reason, updated_at: now })
    .where('incident_id', '=', incidentId)
    .where('status', '=', 'active')
    .executeTakeFirst();
  return res.numUpdatedRows > 0n;
}

export async function findEscalation(
  db: Store['db'] | Tx['db'],
  incidentId: string,
): Promise<EscalationView | undefined> {
  const r = await db
    .selectFrom('incident_escalations')
    .selectAll()
    .where('incident_id', '=', incidentId)
    .executeTakeFirst();
  return (
    r && {
      incidentId: r.incident_id,
      policy: r.policy,
      level: r.level + 1,
      round: r.round,
      status: r.status as EscalationView['status'],
      dueAt: r.due_at,
      stopReason: r.stop_reason,
      startedAt: r.started_at,
    }
  );
}

/** Escalations, newest first, with their incident's title and status. */
export async function listEscalations(
  db: Store['db'],
  f: { status?: EscalationView['status']; limit: number },
): Promise<(EscalationView & { incident: { title: string; status: string } | null })[]> {
  let q = db
    .selectFrom('incident_escalations as e')
    .leftJoin('incidents as i', 'i.id', 'e.incident_id')
    .select([
      'e.incident_id',
      'e.policy',
      'e.level',
      'e.round',
      'e.status',
      'e.due_at',
      'e.stop_reason',
      'e.started_at',
      'i.title',
      'i.status as incident_status',
    ])
    .orderBy('e.started_at', 'desc')
    .orderBy('e.incident_id', 'desc')
    .limit(f.limit);
  if (f.status !== undefined) q = q.where('e.status', '=', f.status);
  const rows = await q.execute();
  return rows.map((r) => ({
    incidentId: r.incident_id,
    policy: r.policy,
    level: r.level + 1,
    round: r.round,
    status: r.status as EscalationView['status'],
    dueAt: r.due_at,
    stopReason: r.stop_reason,
    startedAt: r.started_at,
    incident: r.title === null ? null : { title: r.title, status: r.incident_status ?? 'unknown' },
  }));
}

/** Handle up to one batch of due escalations; answers how many rows were handled. */
export async function fireDueEscalations(deps: OncallDeps): Promise<number> {
  return deps.store.transaction(async (tx) => {
    const now = deps.clock();
    const due = await tx.dialect
      .forUpdate(
        tx.db
          .selectFrom('incident_escalations')
          .selectAll()
          .where('status', '=', 'active')
          .where('due_at', '<=', now)
          .orderBy('due_at')
          .orderBy('incident_id')
          .limit(BATCH),
        { skipLocked: true },
      )
      .execute();
    for (const row of due) {
      // Only the replica whose update lands takes the step (SQLite cannot lock rows).
      const settle = (set: {
        status: string;
        level?: number;
        round?: number;
        due_at: number | null;
        stop_reason?: string;
      }) =>
        tx.db
          .updateTable('incident_escalations')
          .set({ ...set, updated_at: now })
          .where('incident_id', '=', row.incident_id)
          .where('status', '=', 'active')
          .where('due_at', '=', row.due_at)
          .executeTakeFirst()
          .then((r) => r.numUpdatedRows > 0n);
      const incident = await deps.incidents.find(tx, row.incident_id);
      const policy = await findPolicy(tx.db, row.policy);
      if (!incident || !policy) {
        const why = !incident ? 'the incident is gone' : `policy ${row.policy} was deleted`;
        if ((await settle({ status: 'stopped', due_at: null, stop_reason: why })) && incident)
          await deps.incidents.appendTimeline(
            tx,
            incident.id,
            { type: 'escalation.stopped', message: `escalation stopped: ${why}`, data: { reason: why } },
            now,
          );
        continue;
      }
      const step: EscalationStep = { level: row.level, round: row.round, dueAt: row.due_at ?? now };
      const decision = decideEscalation(policy, step, incident.status, now);
      switch (decision.type) {
        case 'wait':
          break;
        case 'stop':
          if (await settle({ status: 'stopped', due_at: null, stop_reason: decision.reason }))
            await deps.incidents.appendTimeline(
              tx,
              incident.id,
              {
                type: 'escalation.stopped',
                message: `escalation stopped: the incident was ${decision.reason}`,
                data: { reason: decision.reason },
              },
              now,
            );
          break;
        case 'exhausted':
          if (await settle({ status: 'exhausted', due_at: null }))
            await deps.incidents.appendTimeline(
              tx,
              incident.id,
              {
                type: 'escalation.exhausted',
                message: `escalation policy ${policy.name}: every level was notified and nobody acknowledged`,
                data: { policy: policy.name },
              },
              now,
            );
          break;
        case 'escalate': {
          const next = decision.step;
          if (await settle({ status: 'active', level: next.level, round: next.round, due_at: next.dueAt }))
            await takeStep(tx, deps, incident, policy, next, now);
          break;
        }
      }
    }
    return due.length;
  });
}

async function nextEscalationDue(store: Store): Promise<number | undefined> {
  const row = await store.db
    .selectFrom('incident_escalations')
    .select((eb) => eb.fn.min('due_at').as('due'))
    .where('status', '=', 'active')
    .executeTakeFirst();
  return row?.due ?? undefined;
}

/** Run until `signal` aborts: wake on the channel, at the next due time, or every second. */
export async function runEscalationLoop(deps: OncallDeps, signal: AbortSignal): Promise<void> {
  let wake: (() => void) | undefined;
  const stop = await deps.store.listen(ESCALATION_SIGNAL, () => wake?.());
  const onAbort = () => wake?.();
  signal.addEventListener('abort', onAbort);
  try {
    while (!signal.aborted) {
      let handled = 0;
      try {
        handled = await fireDueEscalations(deps);
      } catch (err: unknown) {
        deps.log.error({ err: errorMessage(err) }, 'escalation loop failed; trying again');
      }
      if (handled === BATCH) continue;
      let delay = MAX_IDLE_MS;
      try {
        const next = await nextEscalationDue(deps.store);
        if (next !== undefined) delay = Math.max(0, Math.min(delay, next - deps.clock()));
      } catch {
        // The next poll tries again.
      }
      // Due rows another replica holds (skipped as locked): give it 50 ms to commit.
      if (handled === 0) delay = Math.max(delay, 50);
      if (delay === 0) continue;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, delay);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      wake = undefined;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    await stop();
  }
}
