/**
 * The audit trail: append-only, each entry's hash covering the previous entry's hash and its own
 * fields, so changing, removing or reordering a row breaks the chain from there on.
 */
import { createHash } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { AuditRow, Database } from './tables.ts';
import type { Tx } from './store.ts';

type Db = Kysely<Database> | Transaction<Database>;

/** The hash before the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

export interface AuditEntry {
  /** Who: a username, `agent:<id>` or `system`. */
  actor: string;
  /** What, as `noun.verb`: `run.started`, `token.created`, `secret.set`… */
  action: string;
  /** What it was done to: `run:<id>`, `user:<name>`… */
  target: string;
  /** The client address the request came from, when there was one. */
  address?: string | null;
  /** Details; never a secret's value. */
  data?: Record<string, unknown>;
}

/** The canonical bytes an entry's hash covers: fixed field order, keys of `data` sorted. */
export function auditHash(
  prevHash: string,
  e: {
    at: number;
    actor: string;
    action: string;
    target: string;
    source_address: string | null;
    data: string;
  },
): string {
  const canonical = JSON.stringify([prevHash, e.at, e.actor, e.action, e.target, e.source_address, e.data]);
  return createHash('sha256').update(canonical).digest('hex');
}

/** JSON with sorted keys at every level, so the stored text (and its hash) is canonical. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

/**
 * Append an entry inside `tx`, so it commits (or not) with the change it records. Appends are
 * serialised: on PostgreSQL by a transaction-scoped advisory lock, on SQLite by the write lock
 * every transaction takes.
 */
export async function appendAudit(tx: Tx, entry: AuditEntry, now: number): Promise<AuditRow> {
  if (tx.dialect.name === 'postgres')
    await sql`select pg_advisory_xact_lock(hashtext('tandem_audit_log'))`.execute(tx.db);
  const last = await tx.db
    .selectFrom('audit_log')
    .select('hash')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  const row = {
    at: now,
    actor: entry.actor,
    action: entry.action,
    target: entry.target,
    source_address: entry.address ?? null,
    data: canonicalJson(entry.data ?? {}),
  };
  const prev_hash = last?.hash ?? GENESIS_HASH;
  const hash = auditHash(prev_hash, row);
  return tx.db
    .insertInto('audit_log')
    .values({ ...row, prev_hash, hash })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export interface AuditQuery {
  after?: number;
  limit?: number;
  actor?: string;
  action?: string;
  target?: string;
}

/** Entries in chain order (oldest first) after the id `after`. */
export async function listAudit(db: Db, q: AuditQuery = {}): Promise<AuditRow[]> {
  let query = db
    .selectFrom('audit_log')
    .selectAll()
    .where('id', '>', q.after ?? 0)
    .orderBy('id')
    .limit(q.limit ?? 500);
  if (q.actor !== undefined) query = query.where('actor', '=', q.actor);
  if (q.action !== undefined) query = query.where('action', '=', q.action);
  if (q.target !== undefined) query = query.where('target', '=', q.target);
  return query.execute();
}

export type AuditVerdict =
  | { ok: true; entries: number; head: string }
  | { ok: false; entries: number; brokenAt: number; reason: string };

/** Walk the whole chain in pages; name the first entry whose hash or link does not hold. */
export async function verifyAudit(db: Db, pageSize = 1000): Promise<AuditVerdict> {
  let prev = GENESIS_HASH;
  let after = 0;
  let count = 0;
  for (;;) {
    const page = await listAudit(db, { after, limit: pageSize });
    for (const row of page) {
      if (row.prev_hash !== prev)
        return {
          ok: false,
          entries: count,
          brokenAt: row.id,
          reason: 'its link to the previous entry does not match',
        };
      if (auditHash(prev, row) !== row.hash)
        return { ok: false, entries: count, brokenAt: row.id, reason: 'its contents do not match its hash' };
      prev = row.hash;
      after = row.id;
      count++;
    }
    if (page.length < pageSize) return { ok: true, entries: count, head: prev };
  }
}
