/**
 * The outbox: one `notification_deliveries` row per notification and channel, written in the
 * transaction of what it reports, so a notification exists exactly when its cause committed.
 * Senders claim due rows with a lease (`lease_until`), which also fences their report: a sender
 * whose lease expired and was claimed again cannot overwrite the newer claim's result.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, Store, Tx } from '../store/index.ts';
import { activeChannels, channelWants } from './channel-cache.ts';
import type { NotificationPayload, Topic } from './topics.ts';

type Db = Kysely<Database> | Transaction<Database>;

/** The wake-up channel (store notifications) senders listen on. */
export const OUTBOX_SIGNAL = 'notifications';

export const DELIVERY_STATUSES = ['pending', 'sent', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * Queue `payload` under `topic` for every enabled channel that wants it, in the caller's
 * transaction, and wake the senders after commit. `store` is the store `tx` belongs to (it keys
 * the channel cache). Answers how many deliveries were queued; with no channel, no query at all
 * (but the first in `TTL_MS`).
 */
export async function enqueueNotification(
  tx: Tx,
  store: Store,
  topic: Topic,
  payload: NotificationPayload,
  now: number = Date.now(),
): Promise<number> {
  const channels = await activeChannels(tx.db, store);
  if (channels.length === 0) return 0;
  const wanted = channels.filter((c) => channelWants(c, topic, payload.run?.labels));
  if (wanted.length === 0) return 0;
  const json = JSON.stringify(payload);
  await tx.db
    .insertInto('notification_deliveries')
    .values(
      wanted.map((c) => ({
        channel_id: c.id,
        topic,
        payload: json,
        status: 'pending',
        attempts: 0,
        next_attempt_at: now,
        lease_until: null,
        last_error: null,
        created_at: now,
        sent_at: null,
      })),
    )
    .execute();
  tx.notify(OUTBOX_SIGNAL);
  return wanted.length;
}

/** A delivery a sender holds until `leaseUntil`. */
export interface ClaimedDelivery {
  id: number;
  channelId: string;
  topic: string;
  payload: NotificationPayload;
  /** Attempts finished before this one. */
  attempts: number;
  /** The lease, and the fence of this sender's report. */
  leaseUntil: number;
}

/** Claim up to `max` due deliveries for `leaseMs`; replicas skip rows another one is claiming. */
export async function claimDueDeliveries(
  store: Store,
  o: { now: number; max: number; leaseMs: number },
): Promise<ClaimedDelivery[]> {
  return store.transaction(async (tx) => {
    const due = await tx.dialect
      .forUpdate(
        tx.db
          .selectFrom('notification_deliveries')
          .select(['id', 'channel_id', 'topic', 'payload', 'attempts'])
          .where('status', '=', 'pending')
          .where('next_attempt_at', '<=', o.now)
          .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', o.now)]))
          .orderBy('next_attempt_at')
          .orderBy('id')
          .limit(o.max),
        { skipLocked: true },
      )
      .execute();
    if (due.length === 0) return [];
    const leaseUntil = o.now + o.leaseMs;
    // Conditional as well as locked: on SQLite the write transaction is the only exclusion.
    const taken = await tx.db
      .updateTable('notification_deliveries')
      .set({ lease_until: leaseUntil })
      .where(
        'id',
        'in',
        due.map((d) => d.id),
      )
      .where('status', '=', 'pending')
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', o.now)]))
      .returning('id')
      .execute();
    const mine = new Set(taken.map((t) => t.id));
    return due
      .filter((d) => mine.has(d.id))
      .map((d) => ({
        id: d.id,
        channelId: d.channel_id,
        topic: d.topic,
        payload: JSON.parse(d.payload) as NotificationPayload,
        attempts: d.attempts,
        leaseUntil,
      }));
  });
}

const held = (db: Db, d: Pick<ClaimedDelivery, 'id' | 'leaseUntil'>) =>
  db
    .updateTable('notification_deliveries')
    .where('id', '=', d.id)
    .where('status', '=', 'pending')
    .where('lease_until', '=', d.leaseUntil);

/** The delivery was sent. False when its lease had been lost (the report is dropped). */
export async function recordSent(db: Db, d: ClaimedDelivery, now: number): Promise<boolean> {
  const res = await held(db, d)
    .set({ status: 'sent', attempts: d.attempts + 1, sent_at: now, lease_until: null, last_error: null })
    .executeTakeFirst();
  return res.numUpdatedRows > 0n;
}

/** The attempt failed: try again at `retryAt`, or give up (status `failed`) when it is null. */
export async function recordFailure(
  db: Db,
  d: ClaimedDelivery,
  o: { error: string; retryAt: number | null; now: number },
): Promise<boolean> {
  const res = await held(db, d)
    .set({
      status: o.retryAt === null ? 'failed' : 'pending',
      attempts: d.attempts + 1,
      next_attempt_at: o.retryAt ?? o.now,
      lease_until: null,
      last_error: o.error.slice(0, 2000),
    })
    .executeTakeFirst();
  return res.numUpdatedRows > 0n;
}

/** Hand a claimed delivery back untried (the sender is stopping): due again at once. */
export async function releaseDelivery(db: Db, d: ClaimedDelivery): Promise<void> {
  await held(db, d).set({ lease_until: null }).execute();
}

/** When the next pending delivery falls due (its retry time, or when a lost lease runs out). */
export async function nextDeliveryDue(db: Db): Promise<number | undefined> {
  const row = await db
    .selectFrom('notification_deliveries')
    .select(
      sql<
        string | number | null
      >`min(case when lease_until is not null and lease_until > next_attempt_at then lease_until else next_attempt_at end)`.as(
        'due',
      ),
    )
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return row?.due === null || row?.due === undefined ? undefined : Number(row.due);
}

/** An outbox row as shown: with its channel's name, never its settings. */
export interface DeliveryInfo {
  id: number;
  channel: string | null;
  topic: string;
  status: string;
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  createdAt: number;
  sentAt: number | null;
  path: string | null;
}

export async function listDeliveries(
  db: Db,
  f: { status?: DeliveryStatus; channel?: string; limit: number },
): Promise<DeliveryInfo[]> {
  let q = db
    .selectFrom('notification_deliveries as d')
    .leftJoin('notification_channels as c', 'c.id', 'd.channel_id')
    .select([
      'd.id',
      'c.name as channel',
      'd.topic',
      'd.status',
      'd.attempts',
      'd.next_attempt_at',
      'd.last_error',
      'd.created_at',
      'd.sent_at',
      'd.payload',
    ])
    .orderBy('d.id', 'desc')
    .limit(f.limit);
  if (f.status !== undefined) q = q.where('d.status', '=', f.status);
  if (f.channel !== undefined) q = q.where('c.name', '=', f.channel);
  const rows = await q.execute();
  return rows.map((r) => ({
    id: r.id,
    channel: r.channel,
    topic: r.topic,
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    lastError: r.last_error,
    createdAt: r.created_at,
    sentAt: r.sent_at,
    path: (JSON.parse(r.payload) as NotificationPayload).path ?? null,
  }));
}
