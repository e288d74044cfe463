/** Tasks (steps waiting for people) and the decisions taken on them. */
import type { Kysely, Transaction } from 'kysely';
import type { Decision } from '../core/engine/index.ts';
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

export async function tasksOfRun(db: Db, runId: string): Promise<TaskRow[]> {
  return db.selectFrom('tasks').selectAll().where('run_id', '=', runId).orderBy('created_at').execute();
}

export async function listDecisions(db: Db, taskId: string): Promise<(Decision & { createdAt: number })[]> {
  const rows = await db
    .selectFrom('decisions')
    .selectAll()
    .where('task_id', '=', taskId)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    actor: r.actor,
    decision: r.decision as Decision['decision'],
    comment: r.comment,
    createdAt: r.created_at,
  }));
}

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
