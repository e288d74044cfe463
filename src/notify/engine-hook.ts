/**
 * What the engine's transitions notify: a task created (the `task.create` effect), a task
 * escalated (the recorded `task.escalated` event) and a run finished (the recorded `run.finished`
 * event, as `run.succeeded` or `run.failed`). Called in the transition's transaction, so a
 * notification is queued exactly when the transition commits.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Effect, RunState } from '../core/engine/index.ts';
import type { Database, Store, Tx } from '../store/index.ts';
import { activeChannels, channelWants } from './channel-cache.ts';
import { clip } from './formats.ts';
import { enqueueNotification } from './outbox.ts';
import type { NotificationPayload, RunSnapshot, TaskSnapshot, Topic } from './topics.ts';

type Db = Kysely<Database> | Transaction<Database>;

export interface PendingNotification {
  topic: Topic;
  payload: NotificationPayload;
}

export function runSnapshot(run: RunState): RunSnapshot {
  const meta = run.runbook.metadata;
  return {
    id: run.id,
    runbook: run.runbookName,
    version: run.runbookVersion,
    title: meta.title ?? null,
    status: run.status,
    error: run.error === null ? null : clip(run.error, MAX_TEXT),
    createdBy: run.createdBy,
    ...(meta.labels ? { labels: meta.labels } : {}),
  };
}

/** Texts in a payload are cut here: a message carries a summary and the link, not a log. */
const MAX_TEXT = 4000;
const clipped = (s: string | null) => (s === null ? null : clip(s, MAX_TEXT));

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const field = (o: unknown, key: string): unknown =>
  typeof o === 'object' && o !== null ? (o as Record<string, unknown>)[key] : undefined;

/** The notifications `effects` of a transition of `run` call for (pure). */
export function notificationsOf(run: RunState, effects: readonly Effect[]): PendingNotification[] {
  const out: PendingNotification[] = [];
  let snapshot: RunSnapshot | undefined;
  const runOf = () => (snapshot ??= runSnapshot(run));
  for (const e of effects) {
    if (e.type === 'task.create') {
      const task: TaskSnapshot = {
        id: e.taskId,
        kind: e.kind,
        step: e.key,
        title: e.title === null ? null : clip(e.title, MAX_TEXT),
        message: clipped(str(field(e.spec, 'message')) ?? str(field(e.spec, 'description'))),
        assignees: e.assignees,
        deadline: e.deadline,
      };
      out.push({ topic: 'task.created', payload: { run: runOf(), task, path: `/tasks/${e.taskId}` } });
    } else if (e.type === 'event' && e.event === 'task.escalated') {
      const taskId = str(field(e.data, 'task_id'));
      if (taskId === null) continue;
      const deadline = field(e.data, 'deadline');
      const task: TaskSnapshot = {
        id: taskId,
        kind: 'approval',
        step: e.key ?? [...run.steps.values()].find((s) => s.taskId === taskId)?.key ?? '',
        title: null,
        message: null,
        assignees: field(e.data, 'assignees') ?? null,
        deadline: typeof deadline === 'number' ? deadline : null,
      };
      out.push({ topic: 'task.escalated', payload: { run: runOf(), task, path: `/tasks/${taskId}` } });
    } else if (e.type === 'event' && e.event === 'run.finished') {
      const status = field(e.data, 'status');
      const topic = status === 'succeeded' ? 'run.succeeded' : status === 'failed' ? 'run.failed' : undefined;
      if (topic) out.push({ topic, payload: { run: runOf(), path: `/runs/${run.id}` } });
    }
  }
  return out;
}

/** Whether some enabled channel wants one of `pending` (read through `db`, cached per process). */
async function wanted(db: Db, store: Store, pending: PendingNotification[]): Promise<PendingNotification[]> {
  if (pending.length === 0) return [];
  const channels = await activeChannels(db, store);
  if (channels.length === 0) return [];
  return pending.filter((n) => channels.some((c) => channelWants(c, n.topic, n.payload.run?.labels)));
}

/**
 * Whether a transition has notifications to queue. The PostgreSQL fast path (one statement, no
 * transaction) asks this and takes the locked path when the answer is yes.
 */
export async function transitionNotifies(
  store: Store,
  run: RunState,
  effects: readonly Effect[],
): Promise<boolean> {
  return (await wanted(store.db, store, notificationsOf(run, effects))).length > 0;
}

/** Queue the notifications of a transition of `run` in its transaction `tx`. */
export async function enqueueTransitionNotifications(
  tx: Tx,
  store: Store,
  run: RunState,
  effects: readonly Effect[],
  now: number,
): Promise<void> {
  const pending = await wanted(tx.db, store, notificationsOf(run, effects));
  for (const n of pending) {
    if (n.topic === 'task.escalated' && n.payload.task) await describeTask(tx.db, n.payload.task);
    await enqueueNotification(tx, store, n.topic, n.payload, now);
  }
}

/** An escalation's event names the task only: its title and message come from the task row. */
async function describeTask(db: Db, task: TaskSnapshot): Promise<void> {
  const row = await db
    .selectFrom('tasks')
    .select(['kind', 'title', 'spec'])
    .where('id', '=', task.id)
    .executeTakeFirst();
  if (!row) return;
  task.kind = row.kind;
  task.title = clipped(row.title);
  try {
    const spec: unknown = JSON.parse(row.spec);
    task.message = clipped(str(field(spec, 'message')) ?? str(field(spec, 'description')));
  } catch {
    // A spec that is not JSON has no message to show.
  }
}
