/**
 * The writes a transaction's transitions accumulate — step inserts and conditional step updates,
 * run events, timers — made together before commit. On PostgreSQL they go as one statement of
 * data-modifying CTEs (one round trip, whatever the batch); on SQLite, in-process, as plain
 * statements.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import { TandemError } from '../core/errors.ts';
import { driverErrorCode, type DialectAdapter } from './dialect.ts';
import { appendRunEvents, runEventRow, type NewRunEvent } from './run-events.ts';
import type { RunWrite, StepWrites } from './runs.ts';
import type { PendingNotification } from './store.ts';
import type { Database, RunRow, StepRow } from './tables.ts';
import { insertTimers, timerRow, type NewTimer } from './timers.ts';

type Db = Kysely<Database> | Transaction<Database>;

export interface Batch {
  steps: StepWrites;
  events: NewRunEvent[];
  timers: NewTimer[];
}

const runConflict = (runId: string) =>
  new TandemError('conflict', `run ${runId} changed while it was being updated`, { retryable: true });

const conflict = (runId: string, key: string) =>
  new TandemError('conflict', `step ${key} of run ${runId} changed while it was being updated`, {
    retryable: true,
  });

/**
 * Write the batch and empty it. Throws a retryable conflict when a step changed meanwhile.
 * `notes`, taken from the transaction (PostgreSQL), are sent by the same statement.
 */
export async function writeBatch(
  db: Db,
  dialect: DialectAdapter,
  b: Batch,
  now: number,
  notes: PendingNotification[] = [],
): Promise<void> {
  const runs = [...b.steps.runs.values()];
  b.steps.runs.clear();
  const inserts = [...b.steps.inserts.values()];
  const updates = [...b.steps.updates.values()];
  const events = b.events.splice(0);
  const timers = b.timers.splice(0);
  b.steps.inserts.clear();
  b.steps.updates.clear();
  if (dialect.batchStatements)
    return writeInOneStatement(db, { runs, inserts, updates, events, timers, notes }, now);
  for (const r of runs) {
    if (r.insert) await db.insertInto('runs').values(r.row).execute();
    else {
      const { id, ...row } = r.row;
      const res = await db
        .updateTable('runs')
        .set(row)
        .where('id', '=', id)
        .where('version', '=', r.oldVersion)
        .executeTakeFirst();
      if (res.numUpdatedRows === 0n) throw runConflict(id);
    }
  }
  for (const u of updates) {
    const { run_id: runId, key, ...fields } = u.row;
    const res = await db
      .updateTable('steps')
      .set(fields)
      .where('run_id', '=', runId)
      .where('key', '=', key)
      .where('status', '=', u.oldStatus)
      .where('attempt', '=', u.oldAttempt)
      .executeTakeFirst();
    if (res.numUpdatedRows === 0n) throw conflict(runId, key);
  }
  // 32 columns a row: stay well inside SQLite's bind-parameter limit.
  for (let i = 0; i < inserts.length; i += 500)
    await db
      .insertInto('steps')
      .values(inserts.slice(i, i + 500))
      .execute();
  await appendRunEvents(db, events, now);
  await insertTimers(db, timers, now);
}

/** Run columns a transition may change (all but the id). */
const RUN_COLUMNS: (keyof RunRow)[] = [
  'runbook',
  'runbook_version',
  'status',
  'phase',
  'outcome',
  'inputs',
  'outputs',
  'error',
  'parent_run_id',
  'parent_step_key',
  'concurrency_key',
  'completion_seq',
  'version',
  'created_by',
  'created_at',
  'started_at',
  'finished_at',
  'updated_at',
];

/** Step columns a transition may change, with their PostgreSQL types. */
const STEP_COLUMNS: [keyof StepRow, string][] = [
  ['status', 'text'],
  ['attempt', 'integer'],
  ['max_attempts', 'integer'],
  ['concurrency_key', 'text'],
  ['action', 'text'],
  ['site', 'text'],
  ['labels', 'text'],
  ['available_at', 'bigint'],
  ['lease_token', 'text'],
  ['lease_expires_at', 'bigint'],
  ['agent', 'text'],
  ['outputs', 'text'],
  ['result', 'text'],
  ['error', 'text'],
  ['completed_seq', 'integer'],
  ['child_run_id', 'text'],
  ['task_id', 'text'],
  ['cancel_requested', 'integer'],
  ['started_at', 'bigint'],
  ['finished_at', 'bigint'],
  ['updated_at', 'bigint'],
];

const EVENT_COLUMNS =
  'run_id text, type text, step_key text, attempt integer, actor text, data text, created_at bigint';
const TIMER_COLUMNS =
  'run_id text, step_key text, kind text, attempt integer, data text, due_at bigint, created_at bigint';

interface Rows {
  runs: RunWrite[];
  inserts: StepRow[];
  updates: { row: StepRow; oldStatus: string; oldAttempt: number }[];
  events: NewRunEvent[];
  timers: NewTimer[];
  notes: PendingNotification[];
}

async function writeInOneStatement(db: Db, w: Rows, now: number): Promise<void> {
  const { inserts, updates, events, timers, notes } = w;
  if (w.runs.length + inserts.length + updates.length + events.length + timers.length + notes.length === 0)
    return;
  const runInserts = JSON.stringify(w.runs.filter((r) => r.insert).map((r) => r.row));
  const runUpdates = JSON.stringify(
    w.runs.filter((r) => !r.insert).map((r) => ({ ...r.row, old_version: r.oldVersion })),
  );
  const runUpdateCount = w.runs.filter((r) => !r.insert).length;
  const runCols = RUN_COLUMNS.map((c) => sql.id(c));
  const runVals = RUN_COLUMNS.map((c) => sql.ref(`v.${c}`));
  const updateRows = JSON.stringify(
    updates.map((u) => ({ ...u.row, old_status: u.oldStatus, old_attempt: u.oldAttempt })),
  );
  const cols = STEP_COLUMNS.map(([c]) => sql.id(c));
  const vals = STEP_COLUMNS.map(([c]) => sql.ref(`v.${c}`));
  const defs = sql.raw(
    [
      'run_id text',
      'key text',
      'old_status text',
      'old_attempt integer',
      ...STEP_COLUMNS.map(([c, t]) => `${c} ${t}`),
    ].join(', '),
  );
  const eventRows = JSON.stringify(events.map((e) => runEventRow(e, now)));
  const timerRows = JSON.stringify(timers.map((t) => timerRow(t, now)));
  await sql<{ notified: number }>`
    with run_ins as (
      insert into runs select * from jsonb_populate_recordset(null::runs, ${runInserts}::jsonb)
    ), run_upd as (
      update runs as r set (${sql.join(runCols)}) = (${sql.join(runVals)})
      from jsonb_to_recordset(${runUpdates}::jsonb) as o(id text, old_version integer),
           jsonb_populate_recordset(null::runs, ${runUpdates}::jsonb) as v
      where r.id = v.id and o.id = v.id and r.version = o.old_version
      returning r.id
    ), ins as (
      insert into steps select * from jsonb_populate_recordset(null::steps, ${JSON.stringify(inserts)}::jsonb)
    ), upd as (
      update steps as s set (${sql.join(cols)}) = (${sql.join(vals)})
      from jsonb_to_recordset(${updateRows}::jsonb) as v(${defs})
      where s.run_id = v.run_id and s.key = v.key and s.status = v.old_status and s.attempt = v.old_attempt
      returning 1
    ), ev as (
      insert into run_events (run_id, type, step_key, attempt, actor, data, created_at)
      select * from jsonb_to_recordset(${eventRows}::jsonb) as e(${sql.raw(EVENT_COLUMNS)})
    ), tm as (
      insert into timers (run_id, step_key, kind, attempt, data, due_at, created_at)
      select * from jsonb_to_recordset(${timerRows}::jsonb) as t(${sql.raw(TIMER_COLUMNS)})
    ), note as (
      select pg_notify(c, p) from unnest(${notes.map((n) => n.channel)}::text[], ${notes.map((n) => n.payload)}::text[]) as n(c, p)
    )
    select (select count(*) from note)::int as notified,
      case when (select count(*) from upd) <> ${updates.length} or (select count(*) from run_upd) <> ${runUpdateCount}
        then tandem_conflict('a run or step changed while it was being written') end as conflict`
    .execute(db)
    .catch((err: unknown) => {
      // TD001: the whole statement rolled back; the transition is tried again on fresh state.
      if (driverErrorCode(err) === 'TD001')
        throw runConflict(w.runs[0]?.row.id ?? updates[0]?.row.run_id ?? '?');
      throw err;
    });
}
