/** Durable timers and cross-run messages, both rows delivered by the timer loop when due. */
import type { Kysely, Transaction } from 'kysely';
import type { DialectAdapter } from './dialect.ts';
import type { Database } from './tables.ts';

type Db = Kysely<Database> | Transaction<Database>;

export interface NewTimer {
  runId: string;
  stepKey: string | null;
  kind: string;
  attempt: number | null;
  dueAt: number;
  data?: unknown;
}

export interface DueTimer {
  id: number;
  runId: string;
  stepKey: string | null;
  kind: string;
  attempt: number | null;
  data: unknown;
  dueAt: number;
}

/** A timer as its row. */
export function timerRow(t: NewTimer, now: number) {
  return {
    run_id: t.runId,
    step_key: t.stepKey,
    kind: t.kind,
    attempt: t.attempt,
    data: t.data === undefined ? null : JSON.stringify(t.data),
    due_at: t.dueAt,
    created_at: now,
  };
}

export async function insertTimers(db: Db, timers: NewTimer[], now: number): Promise<void> {
  if (timers.length === 0) return;
  await db
    .insertInto('timers')
    .values(timers.map((t) => timerRow(t, now)))
    .execute();
}

/** Take (delete and return) up to `limit` due timers; other replicas skip the ones taken. */
export async function takeDueTimers(
  db: Db,
  dialect: DialectAdapter,
  now: number,
  limit: number,
): Promise<DueTimer[]> {
  const rows = await dialect
    .forUpdate(
      db
        .selectFrom('timers')
        .selectAll()
        .where('due_at', '<=', now)
        .orderBy('due_at')
        .orderBy('id')
        .limit(limit),
      { skipLocked: true },
    )
    .execute();
  if (rows.length === 0) return [];
  await db
    .deleteFrom('timers')
    .where(
      'id',
      'in',
      rows.map((r) => r.id),
    )
    .execute();
  return rows.map((r) => ({
    id: r.id,
    runId: r.run_id,
    stepKey: r.step_key,
    kind: r.kind,
    attempt: r.attempt,
    data: r.data === null ? null : (JSON.parse(r.data) as unknown),
    dueAt: r.due_at,
  }));
}

/** When the next timer is due, if any. */
export async function nextTimerDue(db: Db): Promise<number | undefined> {
  const row = await db
    .selectFrom('timers')
    .select((eb) => eb.fn.min('due_at').as('due'))
    .executeTakeFirst();
  return row?.due ?? undefined;
}
