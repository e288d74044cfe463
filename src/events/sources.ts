/**
 * Event sources: who may send events, and how they prove it. A bearer source holds the sha256 of
 * its token (shown once); an HMAC source holds its secret sealed with the master key (it must be
 * read back to check signatures). A PagerDuty source's token is also its routing key.
 */
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { webhookMappingSchema, type EventSourceKind, type WebhookMapping } from '../core/events/index.ts';
import { TandemError } from '../core/errors.ts';
import {
  decryptValue,
  encryptValue,
  type MasterKey,
  type SealedValue,
  type SecretAddress,
} from '../secrets/index.ts';
import { randomToken, type Database, type EventSourceRow } from '../store/index.ts';
import type { Kysely, Transaction } from 'kysely';

type Db = Kysely<Database> | Transaction<Database>;

export const SOURCE_KINDS = ['alertmanager', 'grafana', 'pagerduty', 'webhook'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number] & EventSourceKind;
export const SOURCE_NAME = /^[a-z0-9]([a-z0-9._-]{0,62}[a-z0-9])?$/;
/** The header an HMAC signature comes in unless the source names another. */
export const DEFAULT_SIGNATURE_HEADER = 'x-tandem-signature';
const HEADER_NAME = /^[A-Za-z0-9-]{1,64}$/;

/** Bound into each ciphertext; `@` cannot start a site name, so this never meets a secret's address. */
const sealAt = (name: string): SecretAddress => ({ name, site: '@event-source' });

export const newSourceSchema = z
  .strictObject({
    name: z.string().regex(SOURCE_NAME, 'lower-case letters, digits, ".", "_" and "-", at most 64'),
    kind: z.enum(SOURCE_KINDS),
    auth: z
      .enum(['bearer', 'hmac'])
      .default('bearer')
      .describe('bearer: a token; hmac: a signature of the body'),
    token: z
      .string()
      .min(16)
      .max(512)
      .optional()
      .describe('bearer: the token senders present (default: a new random one, shown once)'),
    secret: z
      .string()
      .min(16)
      .max(1024)
      .optional()
      .describe('hmac: the shared secret (default: a new random one, shown once)'),
    signature_header: z
      .string()
      .regex(HEADER_NAME, 'a header name')
      .optional()
      .describe(
        `hmac: the header carrying hex(HMAC-SHA256(secret, body)), "sha256=" optional (default ${DEFAULT_SIGNATURE_HEADER})`,
      ),
    timestamp_header: z
      .string()
      .regex(HEADER_NAME, 'a header name')
      .optional()
      .describe(
        'hmac: a header with the send time (Unix seconds); then the signature covers "<timestamp>:<body>"',
      ),
    mapping: webhookMappingSchema
      .optional()
      .describe('webhook: where each field of an event is in the body (CEL)'),
    auto_resolve: z
      .boolean()
      .optional()
      .describe('Incidents it opens resolve when all their alerts resolve (default: the server setting)'),
  })
  .superRefine((s, ctx) => {
    if (s.kind === 'webhook' && s.mapping === undefined)
      ctx.addIssue({ code: 'custom', path: ['mapping'], message: 'a webhook source needs a mapping' });
    if (s.kind !== 'webhook' && s.mapping !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['mapping'],
        message: `a ${s.kind} source reads its own format: no mapping`,
      });
    const wrong = (k: 'token' | 'secret' | 'signature_header' | 'timestamp_header', auth: string) =>
      ctx.addIssue({ code: 'custom', path: [k], message: `only for auth ${auth}` });
    if (s.auth === 'bearer') {
      if (s.secret !== undefined) wrong('secret', 'hmac');
      if (s.signature_header !== undefined) wrong('signature_header', 'hmac');
      if (s.timestamp_header !== undefined) wrong('timestamp_header', 'hmac');
    } else if (s.token !== undefined) wrong('token', 'bearer');
  });
export type NewSource = z.output<typeof newSourceSchema>;

interface Settings {
  signature_header?: string;
  timestamp_header?: string;
  mapping?: WebhookMapping;
  /** The master key that sealed the HMAC secret. */
  key_id?: string;
}

/** A source as the ingest routes use it (the HMAC secret still sealed). */
export interface EventSource {
  name: string;
  kind: SourceKind;
  auth: 'bearer' | 'hmac';
  tokenHash: string | null;
  sealedSecret: SealedValue | null;
  keyId: string | null;
  signatureHeader: string;
  timestampHeader: string | null;
  mapping: WebhookMapping | null;
  /** null: the server's default. */
  autoResolve: boolean | null;
  createdBy: string | null;
  createdAt: number;
}

export const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');

function sourceOf(row: EventSourceRow): EventSource {
  const settings = JSON.parse(row.settings) as Settings;
  return {
    name: row.name,
    kind: row.kind as SourceKind,
    auth: row.auth === 'hmac' ? 'hmac' : 'bearer',
    tokenHash: row.token_hash,
    sealedSecret: row.secret === null ? null : (JSON.parse(row.secret) as SealedValue),
    keyId: settings.key_id ?? null,
    signatureHeader: (settings.signature_header ?? DEFAULT_SIGNATURE_HEADER).toLowerCase(),
    timestampHeader: settings.timestamp_header?.toLowerCase() ?? null,
    mapping: settings.mapping ?? null,
    autoResolve: row.auto_resolve === null ? null : row.auto_resolve !== 0,
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
}

/** The credential of a new source, answered once. */
export interface CreatedSource {
  source: EventSource;
  token: string | null;
  secret: string | null;
}

/** A new credential: PagerDuty routing keys are 32 characters, so PagerDuty sources get that shape. */
const newToken = (kind: SourceKind) =>
  kind === 'pagerduty' ? randomBytes(16).toString('hex') : `tes_${randomToken()}`;

export async function createSource(
  db: Db,
  key: MasterKey,
  s: NewSource,
  o: { actor: string | null; now: number },
): Promise<CreatedSource> {
  const exists = await db
    .selectFrom('event_sources')
    .select('name')
    .where('name', '=', s.name)
    .executeTakeFirst();
  if (exists) throw new TandemError('conflict', `event source ${s.name} exists already; remove it first`);
  const token = s.auth === 'bearer' ? (s.token ?? newToken(s.kind)) : null;
  const secret = s.auth === 'hmac' ? (s.secret ?? randomToken()) : null;
  const settings: Settings = {
    ...(s.auth === 'hmac'
      ? {
          signature_header: (s.signature_header ?? DEFAULT_SIGNATURE_HEADER).toLowerCase(),
          ...(s.timestamp_header ? { timestamp_header: s.timestamp_header.toLowerCase() } : {}),
          key_id: key.id,
        }
      : {}),
    ...(s.mapping ? { mapping: s.mapping } : {}),
  };
  const row = {
    name: s.name,
    kind: s.kind,
    auth: s.auth,
    token_hash: token === null ? null : sha256Hex(token),
    secret: secret === null ? null : JSON.stringify(encryptValue(key.key, sealAt(s.name), secret)),
    settings: JSON.stringify(settings),
    auto_resolve: s.auto_resolve === undefined ? null : s.auto_resolve ? 1 : 0,
    created_by: o.actor,
    created_at: o.now,
    updated_at: o.now,
  };
  await db.insertInto('event_sources').values(row).execute();
  return {
    source: sourceOf(row),
    token,
    secret: s.auth === 'hmac' && s.secret === undefined ? secret : null,
  };
}

export async function findSource(db: Db, name: string): Promise<EventSource | undefined> {
  const row = await db.selectFrom('event_sources').selectAll().where('name', '=', name).executeTakeFirst();
  return row && sourceOf(row);
}

/** The PagerDuty source whose routing key (bearer token) is `routingKey`. */
export async function findSourceByRoutingKey(db: Db, routingKey: string): Promise<EventSource | undefined> {
  const row = await db
    .selectFrom('event_sources')
    .selectAll()
    .where('token_hash', '=', sha256Hex(routingKey))
    .where('kind', '=', 'pagerduty')
    .executeTakeFirst();
  return row && sourceOf(row);
}

export async function listSources(db: Db): Promise<EventSource[]> {
  const rows = await db.selectFrom('event_sources').selectAll().orderBy('name').execute();
  return rows.map(sourceOf);
}

/** When each source last sent an event. */
export async function lastEventTimes(db: Db): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('events')
    .select((eb) => ['source', eb.fn.max('received_at').as('at')])
    .groupBy('source')
    .execute();
  return new Map(rows.map((r) => [r.source, r.at]));
}

export async function deleteSource(db: Db, name: string): Promise<boolean> {
  const res = await db.deleteFrom('event_sources').where('name', '=', name).executeTakeFirst();
  return res.numDeletedRows > 0n;
}

/** The HMAC secret of a source, decrypted to check a signature. */
export function openSecret(source: EventSource, key: MasterKey): string {
  if (source.sealedSecret === null)
    throw new TandemError('internal', `event source ${source.name} has no secret`);
  if (source.keyId !== null && source.keyId !== key.id)
    throw new TandemError(
      'internal',
      `event source ${source.name} was sealed with master key ${source.keyId}, but this server has key ${key.id}`,
    );
  return decryptValue(key.key, sealAt(source.name), source.sealedSecret);
}
