/**
 * API tokens of users: named, scoped to a role, expiring, revocable. Only the sha256 of a token
 * is stored; the token itself is shown once, when it is made.
 */
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { ApiTokensTable, Database } from './tables.ts';

type Db = Kysely<Database> | Transaction<Database>;

export type ApiTokenRow = Selectable<ApiTokensTable>;

/** The `role` of a token made without a scope: it may do whatever its owner's grants allow. */
export const OWNER_SCOPE = 'owner';

export interface NewApiToken {
  id: string;
  name: string;
  tokenHash: string;
  userId: string;
  username: string;
  /** The most the token may do: a role, or OWNER_SCOPE. */
  scope: string;
  expiresAt: number | null;
  now: number;
}

export async function insertApiToken(db: Db, t: NewApiToken): Promise<ApiTokenRow> {
  return db
    .insertInto('api_tokens')
    .values({
      id: t.id,
      name: t.name,
      token_hash: t.tokenHash,
      subject: t.username,
      role: t.scope,
      user_id: t.userId,
      created_at: t.now,
      expires_at: t.expiresAt,
      revoked_at: null,
      last_used_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function findApiToken(db: Db, id: string): Promise<ApiTokenRow | undefined> {
  return db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Tokens of one user (by id, or by username for tokens from before users existed), or of all. */
export async function listApiTokens(
  db: Db,
  of: { userId: string; username: string } | 'all',
): Promise<ApiTokenRow[]> {
  let q = db.selectFrom('api_tokens').selectAll().orderBy('created_at').orderBy('id');
  if (of !== 'all')
    q = q.where((eb) =>
      eb.or([
        eb('user_id', '=', of.userId),
        eb.and([eb('user_id', 'is', null), eb('subject', '=', of.username)]),
      ]),
    );
  return q.execute();
}

/** Revoke a token; answers false when it was revoked already. */
export async function revokeApiToken(db: Db, id: string, now: number): Promise<boolean> {
  const r = await db
    .updateTable('api_tokens')
    .set({ revoked_at: now })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}
