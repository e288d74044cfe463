/** On-call schedules and their overrides in the store. */
import type { Kysely, Transaction } from 'kysely';
import { TandemError } from '../core/errors.ts';
import { scheduleSpec, type Override, type Schedule } from '../core/oncall/index.ts';
import { uuidv7, type Database } from '../store/index.ts';

type Db = Kysely<Database> | Transaction<Database>;

export interface StoredSchedule {
  schedule: Schedule;
  createdBy: string | null;
  createdAt: number;
  updatedAt: number;
}

const parse = (definition: string): Schedule => scheduleSpec.parse(JSON.parse(definition));

/** Create or replace a schedule; answers whether it was created. */
export async function putSchedule(db: Db, s: Schedule, actor: string, now: number): Promise<boolean> {
  const fields = {
    description: s.description ?? null,
    time_zone: s.time_zone,
    definition: JSON.stringify(s),
    updated_at: now,
  };
  const updated = await db
    .updateTable('oncall_schedules')
    .set(fields)
    .where('name', '=', s.name)
    .executeTakeFirst();
  if (updated.numUpdatedRows > 0n) return false;
  await db
    .insertInto('oncall_schedules')
    .values({ name: s.name, ...fields, created_by: actor, created_at: now })
    .execute();
  return true;
}

export async function findSchedule(db: Db, name: string): Promise<StoredSchedule | undefined> {
  const row = await db.selectFrom('oncall_schedules').selectAll().where('name', '=', name).executeTakeFirst();
  return (
    row && {
      schedule: parse(row.definition),
      createdBy: row.created_by,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    }
  );
}

export async function getSchedule(db: Db, name: string): Promise<StoredSchedule> {
  const found = await findSchedule(db, name);
  if (!found) throw new TandemError('not_found', `no on-call schedule ${name}`);
  return found;
}

export async function listSchedules(db: Db): Promise<StoredSchedule[]> {
  const rows = await db.selectFrom('oncall_schedules').selectAll().orderBy('name').execute();
  return rows.map((row) => ({
    schedule: parse(row.definition),
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }));
}

/** Delete a schedule and its overrides; answers whether it existed. */
export async function deleteSchedule(db: Db, name: string): Promise<boolean> {
  await db.deleteFrom('oncall_overrides').where('schedule', '=', name).execute();
  const res = await db.deleteFrom('oncall_schedules').where('name', '=', name).executeTakeFirst();
  return res.numDeletedRows > 0n;
}

export interface StoredOverride extends Override {
  schedule: string;
  reason: string | null;
  createdBy: string | null;
}

export async function addOverride(
  db: Db,
  o: { schedule: string; user: string; start: number; end: number; reason: string | null; actor: string },
  now: number,
): Promise<StoredOverride> {
  if (o.end <= o.start) throw new TandemError('invalid_input', 'an override ends after it starts');
  const id = uuidv7();
  await db
    .insertInto('oncall_overrides')
    .values({
      id,
      schedule: o.schedule,
      username: o.user,
      starts_at: o.start,
      ends_at: o.end,
      reason: o.reason,
      created_by: o.actor,
      created_at: now,
    })
    .execute();
  return {
    id,
    schedule: o.schedule,
    user: o.user,
    start: o.start,
    end: o.end,
    reason: o.reason,
    createdBy: o.actor,
    createdAt: now,
  };
}

/** Overrides of a schedule that end after `from` (and start before `to`, when given). */
export async function listOverrides(
  db: Db,
  schedule: string,
  from: number,
  to?: number,
): Promise<StoredOverride[]> {
  let q = db
    .selectFrom('oncall_overrides')
    .selectAll()
    .where('schedule', '=', schedule)
    .where('ends_at', '>', from);
  if (to !== undefined) q = q.where('starts_at', '<', to);
  const rows = await q.orderBy('starts_at').orderBy('id').execute();
  return rows.map((r) => ({
    id: r.id,
    schedule: r.schedule,
    user: r.username,
    start: r.starts_at,
    end: r.ends_at,
    reason: r.reason,
    createdBy: r.created_by,
    createdAt: r.created_at,
  }));
}

export async function deleteOverride(db: Db, schedule: string, id: string): Promise<boolean> {
  const res = await db
    .deleteFrom('oncall_overrides')
    .where('schedule', '=', schedule)
    .where('id', '=', id)
    .executeTakeFirst();
  return res.numDeletedRows > 0n;
}
