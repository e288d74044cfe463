/**
 * Notification channels in the store. The `config` column holds an envelope: what may be shown
 * (the masked target, the label filter, the key's fingerprint) in clear, and the settings sealed
 * with the master key under the channel's name, so a sealed blob copied to another channel does
 * not open. Nothing here answers the settings except `openChannel`, which the sender calls.
 */
import type { Kysely, Transaction } from 'kysely';
import { TandemError } from '../core/errors.ts';
import {
  decryptValue,
  encryptValue,
  type MasterKey,
  type SealedValue,
  type SecretAddress,
} from '../secrets/index.ts';
import { uuidv7, type Database, type NotificationChannelRow, type Tx } from '../store/index.ts';
import {
  isChannelKind,
  maskedTarget,
  parseChannelConfig,
  type ChannelConfig,
  type ChannelKind,
} from './channel-config.ts';
import { isTopic, type Topic } from './topics.ts';

type Db = Kysely<Database> | Transaction<Database>;

export const CHANNEL_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** Bound into each ciphertext; `@` cannot start a site name, so this never meets a secret's address. */
const SEAL_SITE = '@notification-channel';
const sealAt = (name: string): SecretAddress => ({ name, site: SEAL_SITE });

/** What the `config` column holds. */
interface Envelope {
  v: 1;
  key_id: string;
  target: string;
  labels: Record<string, string> | null;
  sealed: SealedValue;
}

/** What may be shown about a channel: never its settings. */
export interface ChannelInfo {
  id: string;
  name: string;
  kind: ChannelKind;
  events: Topic[];
  /** Only runs of runbooks with all these labels notify it (null: every run). */
  labels: Record<string, string> | null;
  enabled: boolean;
  /** Where it sends, masked: the URL's host, or the SMTP server. */
  target: string;
  keyId: string;
  createdBy: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface NewChannel {
  name: string;
  kind: ChannelKind;
  /** Raw settings, validated here for `kind`. */
  config: unknown;
  events: Topic[];
  labels?: Record<string, string> | null;
  enabled?: boolean;
  actor: string | null;
  now: number;
}

export interface ChannelPatch {
  kind?: ChannelKind;
  /** Replaces the settings; with the same kind, fields not given keep their values. */
  config?: Record<string, unknown>;
  events?: Topic[];
  labels?: Record<string, string> | null;
  enabled?: boolean;
}

export function checkChannelName(name: string): void {
  if (!CHANNEL_NAME.test(name))
    throw new TandemError('invalid_input', 'invalid channel name', {
      details: [{ path: 'name', message: 'a letter or digit, then up to 63 letters, digits, _, . or -' }],
    });
}

function envelopeOf(row: Pick<NotificationChannelRow, 'name' | 'config'>): Envelope {
  try {
    const e = JSON.parse(row.config) as Envelope;
    if (e.v === 1 && typeof e.sealed === 'object') return e;
  } catch {
    // reported below
  }
  throw new TandemError('internal', `notification channel ${row.name} is damaged in the store`);
}

function seal(key: MasterKey, name: string, c: ChannelConfig, labels: Record<string, string> | null): string {
  const envelope: Envelope = {
    v: 1,
    key_id: key.id,
    target: maskedTarget(c),
    labels: labels && Object.keys(labels).length > 0 ? labels : null,
    sealed: encryptValue(key.key, sealAt(name), JSON.stringify(c.config)),
  };
  return JSON.stringify(envelope);
}

export function channelInfo(row: NotificationChannelRow): ChannelInfo {
  const e = envelopeOf(row);
  const events = (JSON.parse(row.events) as string[]).filter(isTopic);
  if (!isChannelKind(row.kind))
    throw new TandemError('internal', `channel ${row.name} has unknown kind ${row.kind}`);
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    events,
    labels: e.labels,
    enabled: row.enabled !== 0,
    target: e.target,
    keyId: e.key_id,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The channel's kind and settings, decrypted: for sending only. */
export function openChannel(row: NotificationChannelRow, key: MasterKey): ChannelConfig {
  const e = envelopeOf(row);
  if (e.key_id !== key.id)
    throw new TandemError(
      'internal',
      `notification channel ${row.name} was sealed with master key ${e.key_id}, but this server has key ${key.id}`,
    );
  if (!isChannelKind(row.kind))
    throw new TandemError('internal', `channel ${row.name} has unknown kind ${row.kind}`);
  const plain = decryptValue(key.key, sealAt(row.name), e.sealed);
  return parseChannelConfig(row.kind, JSON.parse(plain));
}

export async function findChannelRow(db: Db, name: string): Promise<NotificationChannelRow | undefined> {
  return db.selectFrom('notification_channels').selectAll().where('name', '=', name).executeTakeFirst();
}

export async function listChannels(db: Db): Promise<ChannelInfo[]> {
  const rows = await db.selectFrom('notification_channels').selectAll().orderBy('name').execute();
  return rows.map(channelInfo);
}

const uniqueTopics = (events: Topic[]) => JSON.stringify([...new Set(events)]);

export async function createChannel(tx: Tx, key: MasterKey, c: NewChannel): Promise<ChannelInfo> {
  checkChannelName(c.name);
  const config = parseChannelConfig(c.kind, c.config);
  if (await findChannelRow(tx.db, c.name))
    throw new TandemError('conflict', `notification channel ${c.name} already exists`);
  const row: NotificationChannelRow = {
    id: uuidv7(),
    name: c.name,
    kind: c.kind,
    config: seal(key, c.name, config, c.labels ?? null),
    events: uniqueTopics(c.events),
    enabled: c.enabled === false ? 0 : 1,
    created_by: c.actor,
    created_at: c.now,
    updated_at: c.now,
  };
  await tx.db.insertInto('notification_channels').values(row).execute();
  return channelInfo(row);
}

/** Change a channel; answers it as it is now, or undefined when there is no such channel. */
export async function updateChannel(
  tx: Tx,
  key: MasterKey,
  name: string,
  patch: ChannelPatch,
  now: number,
): Promise<ChannelInfo | undefined> {
  const row = await findChannelRow(tx.db, name);
  if (!row) return undefined;
  const before = channelInfo(row);
  const kind = patch.kind ?? before.kind;
  const labels = patch.labels === undefined ? before.labels : patch.labels;
  let config: string = row.config;
  if (patch.config !== undefined || kind !== before.kind || patch.labels !== undefined) {
    let settings: unknown;
    if (patch.config === undefined) {
      if (kind !== before.kind)
        throw new TandemError('invalid_input', `changing a channel's kind needs its new settings`, {
          details: [{ path: 'config', message: `the settings of a ${kind} channel` }],
        });
      settings = openChannel(row, key).config;
    } else
      settings = kind === before.kind ? { ...openChannel(row, key).config, ...patch.config } : patch.config;
    config = seal(key, name, parseChannelConfig(kind, settings), labels);
  }
  const changes = {
    kind,
    config,
    events: patch.events === undefined ? row.events : uniqueTopics(patch.events),
    enabled: patch.enabled === undefined ? row.enabled : patch.enabled ? 1 : 0,
    updated_at: now,
  };
  await tx.db.updateTable('notification_channels').set(changes).where('id', '=', row.id).execute();
  return channelInfo({ ...row, ...changes });
}

/**
 * Delete a channel; its deliveries still waiting are marked failed (kept, so the outbox shows
 * what was never sent). Answers the channel as it was, or undefined when there was none.
 */
export async function deleteChannel(tx: Tx, name: string, now: number): Promise<ChannelInfo | undefined> {
  const row = await findChannelRow(tx.db, name);
  if (!row) return undefined;
  await tx.db.deleteFrom('notification_channels').where('id', '=', row.id).execute();
  await tx.db
    .updateTable('notification_deliveries')
    .set({ status: 'failed', last_error: 'the channel was deleted', lease_until: null, next_attempt_at: now })
    .where('channel_id', '=', row.id)
    .where('status', '=', 'pending')
    .execute();
  return channelInfo(row);
}
