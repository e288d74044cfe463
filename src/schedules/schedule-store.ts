/**
 * Runbook schedules as applied, and their claimed fire times. `fires_from` is the last fire time
 * handled (or when the schedule was applied or enabled): fire times after it are due.
 */
import type { Kysely, Transaction } from 'kysely';
import { TandemError } from '../core/errors.ts';
import { nextFire, type Schedule } from '../core/schedules/index.ts';
import type { Database, RunbookScheduleRow, ScheduleFireRow, Tx } from '../store/index.ts';

type Db = Kysely<Database> | Transaction<Database>;

export interface StoredSchedule {
  name: string;
  version: number;
  schedule: Schedule;
  source: string;
  enabled: boolean;
  firesFrom: number;
  nextFireAt: number | null;
  createdBy: string | null;
  createdAt: number;
  updatedAt: number;
}

export function storedSchedule(row: RunbookScheduleRow): StoredSchedule {
  return {
    name: row.name,
    version: row.version,
    schedule: JSON.parse(row.definition) as Schedule,
    source: row.source,
    enabled: row.enabled === 1,
    firesFrom: row.fires_from,
    nextFireAt: row.next_fire_at,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export interface AppliedSchedule {
  name: string;
  version: number;
  changed: boolean;
  nextFireAt: number | null;
}

/**
 * Store a schedule. A new schedule, a changed cron or time zone, or a schedule enabled again
 * counts its fire times from now: what passed before is not "missed".
 */
export async function applySchedule(
  db: Db,
  a: { schedule: Schedule; source: string; hash: string; actor: string | null; now: number },
): Promise<AppliedSchedule> {
  const name = a.schedule.metadata.name;
  const spec = a.schedule.spec;
  const row = await db
    .selectFrom('runbook_schedules')
    .selectAll()
    .where('name', '=', name)
    .executeTakeFirst();
  if (row?.hash === a.hash)
    return { name, version: row.version, changed: false, nextFireAt: row.next_fire_at };
  const before = row ? storedSchedule(row) : undefined;
  const restart =
    before === undefined ||
    !before.enabled ||
    before.schedule.spec.cron !== spec.cron ||
    before.schedule.spec.timezone !== spec.timezone;
  const firesFrom = restart ? a.now : before.firesFrom;
  // The first fire time after the last one handled: already due if one passed meanwhile.
  const nextFireAt = spec.enabled ? nextFire(spec, firesFrom) : null;
  const values = {
    hash: a.hash,
    source: a.source,
    definition: JSON.stringify(a.schedule),
    enabled: spec.enabled ? 1 : 0,
    fires_from: firesFrom,
    next_fire_at: nextFireAt,
    updated_at: a.now,
  };
  if (before === undefined) {
    const inserted = await db
      .insertInto('runbook_schedules')
      .values({ name, version: 1, ...values, created_by: a.actor, created_at: a.now })
      .onConflict((oc) => oc.column('name').doNothing())
      .executeTakeFirst();
    if (inserted.numInsertedOrUpdatedRows === 0n)
      throw new TandemError('conflict', `schedule ${name} was applied concurrently`, { retryable: true });
    return { name, version: 1, changed: true, nextFireAt };
  }
  await db
    .updateTable('runbook_schedules')
    .set({ ...values, version: before.version + 1 })
    .where('name', '=', name)
    .execute();
  return { name, version: before.version + 1, changed: true, nextFireAt };
}

export async function findSchedule(db: Db, name: string): Promise<StoredSchedule | undefined> {
  const row = await db
    .selectFrom('runbook_schedules')
    .selectAll()
    .where('name', '=', name)
    .executeTakeFirst();
  return row && storedSchedule(row);
}

export async function listSchedules(db: Db): Promise<StoredSchedule[]> {
  return (await db.selectFrom('runbook_schedules').selectAll().orderBy('name').execute()).map(storedSchedule);
}

/** Delete a schedule; its claimed fires stay as the record. */
export async function deleteSchedule(db: Db, name: string): Promise<boolean> {
  const res = await db.deleteFrom('runbook_schedules').where('name', '=', name).executeTakeFirst();
  return res.numDeletedRows > 0n;
}

/** Names of enabled schedules with a fire time due at `now`. */
export async function dueScheduleNames(db: Db, now: number, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('runbook_schedules')
    .select('name')
    .where('enabled', '=', 1)
    .where('next_fire_at', '<=', now)
    .orderBy('next_fire_at')
    .limit(limit)
    .execute();
  return rows.map((r) => r.name);
}

/** The earliest next fire time of any enabled schedule, to sleep until then. */
export async function earliestNextFire(db: Db): Promise<number | undefined> {
  const row = await db
    .selectFrom('runbook_schedules')
    .select((eb) => eb.fn.min('next_fire_at').as('at'))
    .where('enabled', '=', 1)
    .executeTakeFirst();
  return row?.at ?? undefined;
}

/**
 * The schedule's row for this transaction, if it is still due at `now`: locked, so another
 * replica passes it over (SKIP LOCKED) instead of waiting to find it handled.
 */
export async function lockDueSchedule(
  tx: Tx,
  name: string,
  now: number,
): Promise<StoredSchedule | undefined> {
  const row = await tx.dialect
    .forUpdate(
      tx.db
        .selectFrom('runbook_schedules')
        .selectAll()
        .where('name', '=', name)
        .where('enabled', '=', 1)
        .where('next_fire_at', '<=', now),
      { skipLocked: true },
    )
    .executeTakeFirst();
  return row && storedSchedule(row);
}

export async function advanceSchedule(
  db: Db,
  a: { name: string; firesFrom: number; nextFireAt: number | null },
): Promise<void> {
  await db
    .updateTable('runbook_schedules')
    .set({ fires_from: a.firesFrom, next_fire_at: a.nextFireAt })
    .where('name', '=', a.name)
    .execute();
}

/**
 * Claim a fire time. The (schedule, fire_time) key is the claim: of two replicas that both
 * found it due, one inserts and the other gets false.
 */
export async function claimFire(
  db: Db,
  a: { schedule: string; fireTime: number; decision: string; missed: number; now: number },
): Promise<boolean> {
  const res = await db
    .insertInto('schedule_fires')
    .values({
      schedule: a.schedule,
      fire_time: a.fireTime,
      decision: a.decision,
      missed: a.missed,
      run_id: null,
      error: null,
      created_at: a.now,
    })
    .onConflict((oc) => oc.columns(['schedule', 'fire_time']).doNothing())
    .executeTakeFirst();
  return res.numInsertedOrUpdatedRows === 1n;
}

export async function recordFireOutcome(
  db: Db,
  a: { schedule: string; fireTime: number; decision: string; runId: string | null; error: string | null },
): Promise<void> {
  await db
    .updateTable('schedule_fires')
    .set({ decision: a.decision, run_id: a.runId, error: a.error })
    .where('schedule', '=', a.schedule)
    .where('fire_time', '=', a.fireTime)
    .execute();
}

export interface Fire {
  schedule: string;
  fireTime: number;
  decision: string;
  missed: number;
  runId: string | null;
  error: string | null;
  createdAt: number;
}

const fireOf = (r: ScheduleFireRow): Fire => ({
  schedule: r.schedule,
  fireTime: r.fire_time,
  decision: r.decision,
  missed: r.missed,
  runId: r.run_id,
  error: r.error,
  createdAt: r.created_at,
});

/** A schedule's claimed fires, newest first. */
export async function listFires(db: Db, schedule: string, limit: number): Promise<Fire[]> {
  const rows = await db
    .selectFrom('schedule_fires')
    .selectAll()
    .where('schedule', '=', schedule)
    .orderBy('fire_time', 'desc')
    .limit(limit)
    .execute();
  return rows.map(fireOf);
}
