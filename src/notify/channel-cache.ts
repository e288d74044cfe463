/**
 * The enabled channels, cached per store and process so that a transition with nothing to notify
 * costs no query. A change made here drops the cache at once; other replicas see it within
 * `TTL_MS`, which is also the longest a new channel may miss notifications there.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../store/index.ts';
import { channelInfo } from './channels.ts';
import type { Topic } from './topics.ts';

type Db = Kysely<Database> | Transaction<Database>;

/** 5 s: a new or changed channel takes effect on every replica within seconds. */
export const TTL_MS = 5_000;

/** What routing needs of a channel. */
export interface ActiveChannel {
  id: string;
  name: string;
  events: ReadonlySet<Topic>;
  labels: Record<string, string> | null;
}

interface Entry {
  loadedAt: number;
  channels: ActiveChannel[];
}

const cached = new WeakMap<object, Entry>();

/**
 * The enabled channels of the store `owner` (the `Store` object: its identity keys the cache),
 * read through `db` when the cache is older than `TTL_MS`. Pass the caller's transaction on
 * SQLite, whose single connection a second reader would wait on forever.
 */
export async function activeChannels(db: Db, owner: object): Promise<ActiveChannel[]> {
  const hit = cached.get(owner);
  const now = performance.now();
  if (hit && now - hit.loadedAt < TTL_MS) return hit.channels;
  const rows = await db.selectFrom('notification_channels').selectAll().where('enabled', '=', 1).execute();
  const channels: ActiveChannel[] = [];
  for (const r of rows) {
    try {
      const info = channelInfo(r);
      channels.push({ id: info.id, name: info.name, events: new Set(info.events), labels: info.labels });
    } catch {
      // A damaged row must not fail the transitions that notify: it is skipped (and shows in the API).
    }
  }
  cached.set(owner, { loadedAt: now, channels });
  return channels;
}

/** Forget the cached channels of `owner` (after a change to them). */
export function invalidateChannels(owner: object): void {
  cached.delete(owner);
}

/** Whether `c` wants `topic` about a runbook with `labels` (every label of its filter must match). */
export function channelWants(
  c: ActiveChannel,
  topic: Topic,
  labels: Record<string, string> | undefined,
): boolean {
  if (!c.events.has(topic)) return false;
  if (c.labels === null) return true;
  return Object.entries(c.labels).every(([k, v]) => labels?.[k] === v);
}
