/**
 * Concurrency keys across runs: at most `limit` holders per key; waiters are served first come,
 * first served. Each operation first takes a transaction-scoped lock on the key so replicas
 * agree on who holds it.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DialectAdapter } from './dialect.ts';
import type { Database } from './tables.ts';

type Db = Kysely<Database> | Transaction<Database>;

async function lockKey(db: Db, dialect: DialectAdapter, key: string): Promise<void> {
  // SQLite's write transaction already excludes every other writer.
  if (dialect.name === 'sqlite') return;
  await sql`select pg_advisory_xact_lock(hashtextextended(${`concurrency:${key}`}, 0))`.execute(db);
}

async function holders(db: Db, key: string): Promise<number> {
  const row = await db
    .selectFrom('concurrency_holders')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('key', '=', key)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Take the key now when a place is free and nobody waits; otherwise join the queue. */
export async function acquireConcurrency(
  db: Db,
  dialect: DialectAdapter,
  a: { key: string; holder: string; limit: number; runId: string; stepKey: string | null; now: number },
): Promise<boolean> {
  await lockKey(db, dialect, a.key);
  const waiting = await db
    .selectFrom('concurrency_waiters')
    .select('id')
    .where('key', '=', a.key)
    .limit(1)
    .executeTakeFirst();
  if (!waiting && (await holders(db, a.key)) < a.limit) {
    await db
      .insertInto('concurrency_holders')
      .values({ key: a.key, holder: a.holder, acquired_at: a.now })
      .execute();
    return true;
  }
  await db
    .insertInto('concurrency_waiters')
    .values({
      key: a.key,
      holder: a.holder,
      run_id: a.runId,
      step_key: a.stepKey,
      limit_value: a.limit,
      requested_at: a.now,
    })
    .execute();
  return false;
}

/** Let go of the key (or stop waiting for it), and hand freed places to the first waiters. */
export async function releaseConcurrency(
  db: Db,
  dialect: DialectAdapter,
  r: { key: string; holder: string; now: number },
): Promise<{ runId: string; stepKey: string | null }[]> {
  await lockKey(db, dialect, r.key);
  await db
    .deleteFrom('concurrency_holders')
    .where('key', '=', r.key)
    .where('holder', '=', r.holder)
    .execute();
  await db
    .deleteFrom('concurrency_waiters')
    .where('key', '=', r.key)
    .where('holder', '=', r.holder)
    .execute();
  const granted: { runId: string; stepKey: string | null }[] = [];
  let held = await holders(db, r.key);
  for (;;) {
    const next = await db
      .selectFrom('concurrency_waiters')
      .selectAll()
      .where('key', '=', r.key)
      .orderBy('id')
      .limit(1)
      .executeTakeFirst();
    if (!next || held >= next.limit_value) return granted;
    await db.deleteFrom('concurrency_waiters').where('id', '=', next.id).execute();
    await db
      .insertInto('concurrency_holders')
      .values({ key: r.key, holder: next.holder, acquired_at: r.now })
      .execute();
    held++;
    granted.push({ runId: next.run_id, stepKey: next.step_key });
  }
}
