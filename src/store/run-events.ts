/** The append-only history of runs. */
import type { Kysely, Transaction } from 'kysely';
import type { Database, RunEventRow } from './tables.ts';

type Db = Kysely<Database> | Transaction<Database>;

export interface NewRunEvent {
  runId: string;
  type: string;
  stepKey?: string | null;
  attempt?: number | null;
  actor?: string | null;
  data?: unknown;
}

/** An event as its row. */
export function runEventRow(e: NewRunEvent, now: number) {
  return {
    run_id: e.runId,
    type: e.type,
    step_key: e.stepKey ?? null,
    attempt: e.attempt ?? null,
    actor: e.actor ?? null,
    data: e.data === undefined || e.data === null ? null : JSON.stringify(e.data),
    created_at: now,
  };
}

export async function appendRunEvents(db: Db, events: NewRunEvent[], now: number): Promise<void> {
  // 8 columns a row; 1000 rows stays under every dialect's bind-parameter limit.
  for (let i = 0; i < events.length; i += 1000) {
    await db
      .insertInto('run_events')
      .values(events.slice(i, i + 1000).map((e) => runEventRow(e, now)))
      .execute();
  }
}

export async function listRunEvents(
  db: Db,
  runId: string,
  afterId = 0,
  limit = 1000,
): Promise<RunEventRow[]> {
  return db
    .selectFrom('run_events')
    .selectAll()
    .where('run_id', '=', runId)
    .where('id', '>', afterId)
    .orderBy('id')
    .limit(limit)
    .execute();
}
