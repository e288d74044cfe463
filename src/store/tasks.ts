/**
 * Tasks (steps waiting for people: approvals and manual tasks) and the decisions taken on them.
 * A task's row says who may act now (`assignees`, replaced by an escalation), who claimed it and
 * its deadline; its `spec` is the rendered step body.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Decision } from '../core/engine/index.ts';
import type { DialectAdapter } from './dialect.ts';
import type { Database, TaskRow } from './tables.ts';

type Db = Kysely<Database> | Transaction<Database>;

export async function createTask(
  db: Db,
  t: {
    id: string;
    runId: string;
    stepKey: string;
    kind: string;
    spec: unknown;
    title?: string | null;
    assignees?: unknown;
    deadline: number | null;
    now: number;
  },
): Promise<void> {
  await db
    .insertInto('tasks')
    .values({
      id: t.id,
      run_id: t.runId,
      step_key: t.stepKey,
      kind: t.kind,
      status: 'open',
      spec: JSON.stringify(t.spec),
      title: t.title ?? null,
      assignees: t.assignees === undefined || t.assignees === null ? null : JSON.stringify(t.assignees),
      claimed_by: null,
      deadline: t.deadline,
      created_at: t.now,
      closed_at: null,
    })
    .execute();
}

export async function closeTask(db: Db, id: string, status: string, now: number): Promise<void> {
  await db
    .updateTable('tasks')
    .set({ status, closed_at: now })
    .where('id', '=', id)
    .where('status', '=', 'open')
    .execute();
}

/** Escalation: other assignees, a new deadline, the next level; a claim does not carry over. */
export async function escalateTask(
  db: Db,
  id: string,
  e: { assignees: unknown; deadline: number; level: number },
): Promise<void> {
  await db
    .updateTable('tasks')
    .set({ assignees: JSON.stringify(e.assignees), deadline: e.deadline, level: e.level, claimed_by: null })
    .where('id', '=', id)
    .where('status', '=', 'open')
    .execute();
}

/**
 * Change who works on an open task: `claimedBy` (null to release), and optionally the assignees.
 * Answers false when the task is no longer open, so a claim never lands on a closed task.
 */
export async function updateOpenTask(
  db: Db,
  id: string,
  change: { claimedBy: string | null; assignees?: unknown },
): Promise<boolean> {
  const res = await db
    .updateTable('tasks')
    .set({
      claimed_by: change.claimedBy,
      ...(change.assignees === undefined ? {} : { assignees: JSON.stringify(change.assignees) }),
    })
    .where('id', '=', id)
    .where('status', '=', 'open')
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

export async function findTask(db: Db, id: string): Promise<TaskRow | undefined> {
  return db.selectFrom('tasks').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listOpenTasks(db: Db, limit = 500): Promise<TaskRow[]> {
  return db
    .selectFrom('tasks')
    .selectAll()
    .where('status', '=', 'open')
    .orderBy('created_at')
    .limit(limit)
    .execute();
}

/** An open task with what access checks need of its run. */
export type OpenTaskWithRun = TaskRow & {
  runbook: string;
  runbook_version: number;
  inputs: string;
  created_by: string | null;
  run_status: string;
};

/**
 * Open tasks of the given kinds with their runs, soonest deadline first (tasks without one last),
 * then oldest first. The caller finishes the filtering: who may act depends on grants and scopes.
 */
export async function listOpenTasksWithRuns(
  db: Db,
  q: { kinds: string[]; limit?: number },
): Promise<OpenTaskWithRun[]> {
  if (q.kinds.length === 0) return [];
  return db
    .selectFrom('tasks')
    .innerJoin('runs', 'runs.id', 'tasks.run_id')
    .selectAll('tasks')
    .select([
      'runs.runbook',
      'runs.runbook_version',
      'runs.inputs',
      'runs.created_by',
      'runs.status as run_status',
    ])
    .where('tasks.status', '=', 'open')
    .where('tasks.kind', 'in', q.kinds)
    .orderBy(sql`case when tasks.deadline is null then 1 else 0 end`)
    .orderBy('tasks.deadline')
    .orderBy('tasks.created_at')
    .limit(q.limit ?? 1000)
    .execute();
}

export async function tasksOfRun(db: Db, runId: string): Promise<TaskRow[]> {
  return db.selectFrom('tasks').selectAll().where('run_id', '=', runId).orderBy('created_at').execute();
}

/**
 * Take the run's lock before reading its task and decisions: two people deciding at once are then
 * served one after the other, and the second sees the first's decision (a quorum cannot be met
 * twice by the same person).
 */
export async function lockRunOfTask(db: Db, dialect: DialectAdapter, runId: string): Promise<void> {
  await dialect.forUpdate(db.selectFrom('runs').select('id').where('id', '=', runId)).execute();
}

/** Which of these tasks the person already decided on. */
export async function tasksDecidedBy(db: Db, actor: string, taskIds: string[]): Promise<Set<string>> {
  if (taskIds.length === 0) return new Set();
  const rows = await db
    .selectFrom('decisions')
    .select('task_id')
    .where('actor', '=', actor)
    .where('task_id', 'in', taskIds)
    .execute();
  return new Set(rows.map((r) => r.task_id));
}

/** A decision as stored: `approve` or `reject` on an approval, `complete` (with outputs) on a task. */
export interface DecisionRecord {
  actor: string;
  decision: string;
  comment: string | null;
  outputs: unknown;
  createdAt: number;
}

export async function listDecisions(db: Db, taskId: string): Promise<DecisionRecord[]> {
  const rows = await db
    .selectFrom('decisions')
    .selectAll()
    .where('task_id', '=', taskId)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    actor: r.actor,
    decision: r.decision,
    comment: r.comment,
    outputs: r.outputs === null ? null : (JSON.parse(r.outputs) as unknown),
    createdAt: r.created_at,
  }));
}

/** The approvals and rejections among a task's decisions, as the engine's core takes them. */
export const approvalDecisions = (records: DecisionRecord[]): Decision[] =>
  records.flatMap((r) =>
    r.decision === 'approve' || r.decision === 'reject'
      ? [{ actor: r.actor, decision: r.decision, comment: r.comment }]
      : [],
  );

export async function insertDecision(
  db: Db,
  d: {
    taskId: string;
    actor: string;
    decision: string;
    comment: string | null;
    outputs?: unknown;
    now: number;
  },
): Promise<void> {
  await db
    .insertInto('decisions')
    .values({
      task_id: d.taskId,
      actor: d.actor,
      decision: d.decision,
      comment: d.comment,
      outputs: d.outputs === undefined ? null : JSON.stringify(d.outputs),
      created_at: d.now,
    })
    .execute();
}
