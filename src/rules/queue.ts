/**
 * The rule queue: events waiting for the rule worker. Ingest enqueues in the transaction that
 * stores the event, so an event is evaluated against the rules if and only if it was stored.
 */
import type { Kysely } from 'kysely';
import type { Database, Tx } from '../store/index.ts';

/** The channel the rule worker listens on; a notification is only a hint, the worker also polls. */
export const RULE_QUEUE_CHANNEL = 'rules';

/**
 * Queue an event (and the incident it was grouped into, if any) for evaluation against every
 * enabled rule. Call it inside the transaction that stores the event.
 */
export async function enqueueRuleEvaluation(
  tx: Tx,
  { eventId, incidentId }: { eventId: string; incidentId: string | null },
): Promise<void> {
  const now = Date.now();
  await tx.db
    .insertInto('rule_queue')
    .values({
      event_id: eventId,
      incident_id: incidentId,
      enqueued_at: now,
      available_at: now,
      last_error: null,
    })
    .execute();
  tx.notify(RULE_QUEUE_CHANNEL);
}

/** An event the worker took from the queue. */
export interface QueuedEvaluation {
  id: number;
  eventId: string;
  incidentId: string | null;
  attempts: number;
}

/** After this many failed evaluations an event stays in the queue, with its last error, untried. */
export const MAX_EVALUATION_ATTEMPTS = 10;

/**
 * Take the oldest due event for this transaction: other replicas skip it while the transaction
 * holds it (SKIP LOCKED on PostgreSQL; SQLite's write transaction excludes them anyway). The
 * caller deletes it in the same transaction once evaluated.
 */
export async function claimQueuedEvaluation(tx: Tx, now: number): Promise<QueuedEvaluation | undefined> {
  const row = await tx.dialect
    .forUpdate(
      tx.db
        .selectFrom('rule_queue')
        .select(['id', 'event_id', 'incident_id', 'attempts'])
        .where('available_at', '<=', now)
        .where('attempts', '<', MAX_EVALUATION_ATTEMPTS)
        .orderBy('available_at')
        .orderBy('id')
        .limit(1),
      { skipLocked: true },
    )
    .executeTakeFirst();
  return row && { id: row.id, eventId: row.event_id, incidentId: row.incident_id, attempts: row.attempts };
}

/** Evaluated: gone from the queue. Conditional, so two takers cannot both think they finished it. */
export async function deleteQueuedEvaluation(tx: Tx, id: number): Promise<boolean> {
  const res = await tx.db.deleteFrom('rule_queue').where('id', '=', id).executeTakeFirst();
  return res.numDeletedRows > 0n;
}

/** Evaluation failed: try again later (1 s, 2 s, 4 s… capped at 5 min), keeping the error. */
export async function retryQueuedEvaluation(tx: Tx, id: number, error: string, now: number): Promise<void> {
  const row = await tx.db.selectFrom('rule_queue').select('attempts').where('id', '=', id).executeTakeFirst();
  if (row === undefined) return;
  const delay = Math.min(300_000, 1000 * 2 ** row.attempts);
  await tx.db
    .updateTable('rule_queue')
    .set({ attempts: row.attempts + 1, available_at: now + delay, last_error: error.slice(0, 2000) })
    .where('id', '=', id)
    .execute();
}

/** How many events wait (and how many gave up), for health and tests. */
export async function queueDepth(db: Kysely<Database>): Promise<{ waiting: number; failed: number }> {
  const rows = await db
    .selectFrom('rule_queue')
    .select((eb) => [
      eb.fn.countAll<number>().as('n'),
      eb.fn
        .sum<number | null>(eb.case().when('attempts', '>=', MAX_EVALUATION_ATTEMPTS).then(1).else(0).end())
        .as('f'),
    ])
    .executeTakeFirstOrThrow();
  const failed = rows.f ?? 0;
  return { waiting: rows.n - failed, failed };
}
