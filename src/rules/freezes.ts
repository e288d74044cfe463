/**
 * Change freezes: while one is in effect, rules start no runs (unless a rule sets
 * `skip_during_freeze: false`). `tandem freeze on` opens one now (until `off` or its end);
 * windows can be planned ahead with a start and an end.
 */
import type { Kysely, Transaction } from 'kysely';
import type { ChangeFreezeRow, Database } from '../store/index.ts';

type Db = Kysely<Database> | Transaction<Database>;

export interface Freeze {
  id: string;
  reason: string | null;
  startsAt: number;
  endsAt: number | null;
  createdBy: string | null;
  createdAt: number;
}

const freezeOf = (r: ChangeFreezeRow): Freeze => ({
  id: r.id,
  reason: r.reason,
  startsAt: r.starts_at,
  endsAt: r.ends_at,
  createdBy: r.created_by,
  createdAt: r.created_at,
});

/** The freeze in effect at `now` (the one that started last), if any. */
export async function activeFreeze(db: Db, now: number): Promise<Freeze | null> {
  const row = await db
    .selectFrom('change_freezes')
    .selectAll()
    .where('starts_at', '<=', now)
    .where((eb) => eb.or([eb('ends_at', 'is', null), eb('ends_at', '>', now)]))
    .orderBy('starts_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? freezeOf(row) : null;
}

export async function addFreeze(db: Db, f: Freeze): Promise<Freeze> {
  await db
    .insertInto('change_freezes')
    .values({
      id: f.id,
      reason: f.reason,
      starts_at: f.startsAt,
      ends_at: f.endsAt,
      created_by: f.createdBy,
      created_at: f.createdAt,
    })
    .execute();
  return f;
}

/** End every freeze in effect at `now`; returns the ids ended. Planned windows stay. */
export async function endActiveFreezes(db: Db, now: number): Promise<string[]> {
  const rows = await db
    .updateTable('change_freezes')
    .set({ ends_at: now })
    .where('starts_at', '<=', now)
    .where((eb) => eb.or([eb('ends_at', 'is', null), eb('ends_at', '>', now)]))
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

/** Freezes in effect or planned at `now` (and, with `all`, those over too), by start. */
export async function listFreezes(db: Db, now: number, all = false): Promise<Freeze[]> {
  let q = db.selectFrom('change_freezes').selectAll().orderBy('starts_at');
  if (!all) q = q.where((eb) => eb.or([eb('ends_at', 'is', null), eb('ends_at', '>', now)]));
  return (await q.execute()).map(freezeOf);
}

export async function deleteFreeze(db: Db, id: string): Promise<boolean> {
  const res = await db.deleteFrom('change_freezes').where('id', '=', id).executeTakeFirst();
  return res.numDeletedRows > 0n;
}
