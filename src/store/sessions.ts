/**
 * Web sessions and OIDC sign-ins under way. A session's cookie holds a random id; only its
 * sha256 is stored, with the CSRF token the console sends back on every change. A session ends
 * at the earlier of its idle limit (pushed back on each use) and its absolute limit.
 */
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Database, OidcLoginsTable, SessionsTable } from './tables.ts';

type Db = Kysely<Database> | Transaction<Database>;

export type SessionRow = Selectable<SessionsTable>;
export type OidcLoginRow = Selectable<OidcLoginsTable>;

/** How long a session lives. */
export interface SessionLimits {
  /** Unused for this long, it ends. */
  idleMs: number;
  /** Used or not, it ends this long after sign-in. */
  maxAgeMs: number;
}

/** 12 hours idle, 7 days at most: a working day's pause ends it, a week's use never outlives it. */
export const DEFAULT_SESSION_LIMITS: SessionLimits = { idleMs: 12 * 3_600_000, maxAgeMs: 7 * 86_400_000 };

/** When a session created at `createdAt` and last used at `now` ends. */
export const sessionExpiry = (createdAt: number, now: number, limits: SessionLimits) =>
  Math.min(createdAt + limits.maxAgeMs, now + limits.idleMs);

export async function insertSession(
  db: Db,
  s: {
    idHash: string;
    userId: string;
    csrfToken: string;
    source: 'password' | 'oidc';
    address: string | null;
    now: number;
    limits: SessionLimits;
  },
): Promise<SessionRow> {
  return db
    .insertInto('sessions')
    .values({
      id_hash: s.idHash,
      user_id: s.userId,
      csrf_token: s.csrfToken,
      source: s.source,
      address: s.address,
      created_at: s.now,
      last_seen_at: s.now,
      expires_at: sessionExpiry(s.now, s.now, s.limits),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * The live session with this id hash, its idle limit pushed back to `now`; undefined when there
 * is none or it has ended.
 */
export async function touchSession(
  db: Db,
  idHash: string,
  now: number,
  limits: SessionLimits,
): Promise<SessionRow | undefined> {
  const row = await db.selectFrom('sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
  if (!row || row.expires_at <= now) return undefined;
  const expires = sessionExpiry(row.created_at, now, limits);
  await db
    .updateTable('sessions')
    .set({ last_seen_at: now, expires_at: expires })
    .where('id_hash', '=', idHash)
    .execute();
  return { ...row, last_seen_at: now, expires_at: expires };
}

export async function findSession(db: Db, idHash: string): Promise<SessionRow | undefined> {
  return db.selectFrom('sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
}

export async function deleteSession(db: Db, idHash: string): Promise<boolean> {
  const r = await db.deleteFrom('sessions').where('id_hash', '=', idHash).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** End every session of a user (disabled, or their password changed). */
export async function deleteUserSessions(db: Db, userId: string): Promise<number> {
  const r = await db.deleteFrom('sessions').where('user_id', '=', userId).executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** Forget sessions and OIDC sign-ins that have ended. */
export async function deleteExpiredSessions(db: Db, now: number): Promise<number> {
  const s = await db.deleteFrom('sessions').where('expires_at', '<=', now).executeTakeFirst();
  await db.deleteFrom('oidc_logins').where('expires_at', '<=', now).execute();
  return Number(s.numDeletedRows);
}

export async function insertOidcLogin(db: Db, l: OidcLoginRow): Promise<void> {
  await db.insertInto('oidc_logins').values(l).execute();
}

/** Take (find and delete) a sign-in under way: its state can be used once. */
export async function takeOidcLogin(db: Db, state: string, now: number): Promise<OidcLoginRow | undefined> {
  const row = await db.deleteFrom('oidc_logins').where('state', '=', state).returningAll().executeTakeFirst();
  return row && row.expires_at > now ? row : undefined;
}
