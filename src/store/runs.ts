/** Runs and their steps: loading a run's state and writing a transition's changes back. */
import { sql, type Kysely, type Transaction } from 'kysely';
import type {
  Action,
  Outcome,
  RunPhase,
  RunState,
  RunStatus,
  StepPhase,
  StepState,
  StepStatus,
} from '../core/engine/index.ts';
import type { Runbook } from '../core/runbook/model.ts';
import type { DialectAdapter } from './dialect.ts';
import type { Database, RunRow, StepRow } from './tables.ts';

type Db = Kysely<Database> | Transaction<Database>;

const parse = <T>(text: string | null, fallback: T): T =>
  text === null ? fallback : (JSON.parse(text) as T);
const json = (value: unknown): string | null =>
  value === null || value === undefined ? null : JSON.stringify(value);

export function stepFromRow(row: StepRow): StepState {
  return {
    key: row.key,
    stepId: row.step_id,
    phase: row.phase as StepPhase,
    index: row.item_index,
    item: parse(row.item, null),
    status: row.status as StepStatus,
    attempt: row.attempt,
    maxAttempts: row.max_attempts,
    action: parse<Action | null>(row.action, null),
    site: row.site,
    labels: parse<string[] | null>(row.labels, null),
    availableAt: row.available_at,
    leaseToken: row.lease_token,
    leaseExpiresAt: row.lease_expires_at,
    agent: row.agent,
    outputs: parse(row.outputs, null),
    result: parse(row.result, null),
    error: row.error,
    completedSeq: row.completed_seq,
    childRunId: row.child_run_id,
    taskId: row.task_id,
    concurrencyKey: row.concurrency_key,
    cancelRequested: row.cancel_requested === 1,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

export function stepToRow(runId: string, s: StepState, now: number): StepRow {
  return {
    run_id: runId,
    key: s.key,
    step_id: s.stepId,
    phase: s.phase,
    item_index: s.index,
    item: s.index === null ? null : JSON.stringify(s.item ?? null),
    status: s.status,
    attempt: s.attempt,
    max_attempts: s.maxAttempts,
    concurrency_key: s.concurrencyKey,
    action: json(s.action),
    site: s.site,
    labels: json(s.labels),
    available_at: s.availableAt,
    lease_token: s.leaseToken,
    lease_expires_at: s.leaseExpiresAt,
    agent: s.agent,
    outputs: json(s.outputs),
    result: json(s.result),
    error: s.error,
    completed_seq: s.completedSeq,
    child_run_id: s.childRunId,
    task_id: s.taskId,
    cancel_requested: s.cancelRequested ? 1 : 0,
    created_at: s.createdAt,
    started_at: s.startedAt,
    finished_at: s.finishedAt,
    updated_at: now,
  };
}

export function runToRow(run: RunState, now: number): RunRow {
  return {
    id: run.id,
    runbook: run.runbookName,
    runbook_version: run.runbookVersion,
    status: run.status,
    phase: run.phase,
    outcome: run.outcome,
    inputs: JSON.stringify(run.inputs),
    outputs: json(run.outputs),
    error: run.error,
    parent_run_id: run.parentRunId,
    parent_step_key: run.parentStepKey,
    concurrency_key: run.concurrencyKey,
    completion_seq: run.completionSeq,
    version: run.version,
    created_by: run.createdBy,
    created_at: run.createdAt,
    started_at: run.startedAt,
    finished_at: run.finishedAt,
    updated_at: now,
  };
}

export function runFromRow(row: RunRow, runbook: Runbook, steps: StepRow[]): RunState {
  return {
    id: row.id,
    runbookName: row.runbook,
    runbookVersion: row.runbook_version,
    runbook,
    status: row.status as RunStatus,
    phase: row.phase as RunPhase,
    outcome: row.outcome as Outcome | null,
    inputs: parse(row.inputs, {}),
    outputs: parse(row.outputs, null),
    error: row.error,
    parentRunId: row.parent_run_id,
    parentStepKey: row.parent_step_key,
    concurrencyKey: row.concurrency_key,
    completionSeq: row.completion_seq,
    version: row.version,
    createdBy: row.created_by,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    steps: new Map(steps.map((s) => [s.key, stepFromRow(s)])),
  };
}

/** Load a run's row (locked against other replicas' transitions when asked) and its steps. */
export async function loadRunRows(
  db: Db,
  dialect: DialectAdapter,
  runId: string,
  lock: boolean,
): Promise<{ run: RunRow; steps: StepRow[] } | undefined> {
  // Locking reads take two statements on purpose: under READ COMMITTED a statement that waited
  // for the run's lock still reads the steps as of before the wait; the next statement sees them
  // as the transaction that held the lock left them.
  if (dialect.batchStatements && !lock) return loadRunRowsInOneTrip(db, runId);
  let q = db.selectFrom('runs').selectAll().where('id', '=', runId);
  if (lock) q = dialect.forUpdate(q);
  const run = await q.executeTakeFirst();
  if (!run) return undefined;
  const steps = await db.selectFrom('steps').selectAll().where('run_id', '=', runId).execute();
  return { run, steps };
}

/** PostgreSQL: the run and its steps as JSON in one round trip (one snapshot). */
async function loadRunRowsInOneTrip(db: Db, runId: string) {
  const res = await sql<{ run: RunRow | null; steps: StepRow[] | null }>`
    with r as (select * from runs where id = ${runId})
    select (select row_to_json(r) from r) as run,
           (select json_agg(s) from steps s where s.run_id = ${runId} and exists (select 1 from r)) as steps`.execute(
    db,
  );
  const row = res.rows[0];
  if (!row?.run) return undefined;
  return { run: row.run, steps: row.steps ?? [] };
}

/** The run row without the bookkeeping columns that change on every write. */
function runFields(run: RunState): string {
  const { updated_at: _u, completion_seq: _c, version: _v, ...rest } = runToRow(run, 0);
  return JSON.stringify(rest);
}

/** Step rows a transaction's transitions changed, written together by `writeBatch`. */
export interface StepWrites {
  /** Run rows to insert or update (from `oldVersion`), by id, as they ended. */
  runs: Map<string, RunWrite>;
  /** By `run/key`: a step changed twice in one transaction is written once, as it ended. */
  inserts: Map<string, StepRow>;
  /** By `run/key`, with the status and attempt the step had in the store. */
  updates: Map<string, { row: StepRow; oldStatus: string; oldAttempt: number }>;
}

export interface RunWrite {
  row: RunRow;
  insert: boolean;
  /** The version the update expects to find; the row carries the next one. */
  oldVersion: number;
}

export const newStepWrites = (): StepWrites => ({ runs: new Map(), inserts: new Map(), updates: new Map() });

/**
 * Collect what a transition changed into `writes`: the run row (when it changed) and each changed
 * step (insert when new), for `writeBatch` to write together. A step update is conditioned on the status and attempt it was
 * loaded with, so a claim that raced this transition makes `writeBatch` fail with a conflict and
 * the store runs the transaction again on fresh state.
 */
export function saveRun(
  before: RunState | undefined,
  after: RunState,
  changed: Iterable<string>,
  now: number,
  writes: StepWrites,
): void {
  const pending = writes.runs.get(after.id);
  const stepsChanged = [...changed].length > 0;
  if (!before || pending?.insert) {
    writes.runs.set(after.id, { row: runToRow(after, now), insert: true, oldVersion: 0 });
  } else if (pending || stepsChanged || runFields(before) !== runFields(after)) {
    // Every write moves the version on, so two writers that read the same version cannot both win.
    const oldVersion = pending?.oldVersion ?? before.version;
    writes.runs.set(after.id, {
      row: { ...runToRow(after, now), version: oldVersion + 1 },
      insert: false,
      oldVersion,
    });
  }
  for (const key of changed) {
    const row = stepToRow(after.id, after.steps.get(key)!, now);
    const id = `${after.id}/${key}`;
    const pending = writes.updates.get(id);
    const old = before?.steps.get(key);
    if (writes.inserts.has(id) || !old) writes.inserts.set(id, row);
    else if (pending) pending.row = row;
    else writes.updates.set(id, { row, oldStatus: old.status, oldAttempt: old.attempt });
  }
}

export interface RunFilter {
  status?: string[];
  runbook?: string;
  parentRunId?: string;
  /** The id of the last run of the previous page: runs older than it. */
  before?: string;
  limit: number;
}

/** Runs, newest first; ids are time-ordered, so the cursor is the last id seen. */
export async function listRuns(db: Db, f: RunFilter): Promise<RunRow[]> {
  let q = db.selectFrom('runs').selectAll().orderBy('id', 'desc').limit(f.limit);
  if (f.status && f.status.length > 0) q = q.where('status', 'in', f.status);
  if (f.runbook !== undefined) q = q.where('runbook', '=', f.runbook);
  if (f.parentRunId !== undefined) q = q.where('parent_run_id', '=', f.parentRunId);
  if (f.before !== undefined) q = q.where('id', '<', f.before);
  return q.execute();
}
