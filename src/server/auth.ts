/**
 * Who is calling: a bearer token (API clients, the CLI) or a session cookie (the web console,
 * with a CSRF header on every change). Tokens and session ids are stored as sha256 hashes. The
 * first admin (user `admin`, team `admins`) is made at first start with `TANDEM_ADMIN_TOKEN` as
 * its token when set, otherwise a generated one printed once.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { Principal, Role } from '../core/access/index.ts';
import { isRole } from '../core/access/index.ts';
import { TandemError } from '../core/errors.ts';
import {
  DEFAULT_SESSION_LIMITS,
  loadUserAccess,
  OWNER_SCOPE,
  randomToken,
  touchSession,
  uuidv7,
  type SessionLimits,
  type Store,
} from '../store/index.ts';

/** The caller of a request: a principal plus how they proved it. */
export interface Caller extends Principal {
  /** The username (what runs, decisions and the audit log record as the actor). */
  subject: string;
  tokenId: string | null;
  /** Set when the caller came with a session cookie. */
  sessionHash: string | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller | null;
  }
}

export const SESSION_COOKIE = 'tandem_session';
export const CSRF_HEADER = 'x-csrf-token';

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export const safeEqual = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/**
 * Make sure an admin exists: user `admin` in team `admins` with the admin role, and a token.
 * Returns the token when one was generated (to print once).
 */
export async function ensureAdmin(store: Store, envToken: string | undefined, now: number) {
  return store.transaction(async (tx) => {
    const anyUser = await tx.db.selectFrom('users').select('id').limit(1).executeTakeFirst();
    if (anyUser) return undefined;
    const userId = uuidv7();
    await tx.db
      .insertInto('users')
      .values({
        id: userId,
        username: 'admin',
        display_name: 'Administrator',
        email: null,
        password_hash: null,
        source: 'local',
        oidc_subject: null,
        created_at: now,
        updated_at: now,
        last_login_at: null,
      })
      .execute();
    const teamId = uuidv7();
    await tx.db
      .insertInto('teams')
      .values({
        id: teamId,
        name: 'admins',
        description: 'Administrators',
        oidc_group: null,
        created_at: now,
      })
      .execute();
    await tx.db
      .insertInto('team_members')
      .values({ team_id: teamId, user_id: userId, added_at: now })
      .execute();
    await tx.db
      .insertInto('role_grants')
      .values({
        id: uuidv7(),
        team_id: teamId,
        role: 'admin',
        sites: '[]',
        labels: '{}',
        created_by: 'system',
        created_at: now,
      })
      .execute();
    // A store from before users existed keeps its admin tokens: they now belong to `admin`.
    const existing = await tx.db
      .updateTable('api_tokens')
      .set({ user_id: userId })
      .where('subject', '=', 'admin')
      .where('user_id', 'is', null)
      .executeTakeFirst();
    if (Number(existing.numUpdatedRows) > 0) return undefined;
    const token = envToken && envToken.length > 0 ? envToken : `tdm_${randomToken(32)}`;
    if (token.length < 16)
      throw new TandemError('invalid_input', 'TANDEM_ADMIN_TOKEN must be at least 16 characters');
    await tx.db
      .insertInto('api_tokens')
      .values({
        id: uuidv7(),
        name: 'first admin',
        token_hash: hashToken(token),
        subject: 'admin',
        role: 'admin',
        user_id: userId,
        created_at: now,
        expires_at: null,
        revoked_at: null,
        last_used_at: null,
      })
      .execute();
    return envToken ? undefined : token;
  });
}

type Cached = { caller: Caller | null; until: number };

/** Resolves the caller of a request, with a short cache so a request costs no extra queries. */
export class Authenticator {
  private cache = new Map<string, Cached>();
  constructor(
    private readonly store: Store,
    private readonly clock: () => number,
    /** How long web sessions live (idle and absolute). */
    readonly sessionLimits: SessionLimits = DEFAULT_SESSION_LIMITS,
  ) {}

  /** Forget cached callers, e.g. after a grant, a revocation or a sign-out on this replica. */
  invalidate(): void {
    this.cache.clear();
  }

  async authenticate(req: FastifyRequest): Promise<Caller> {
    const header = req.headers.authorization;
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      if (!match)
        throw new TandemError('unauthorized', 'malformed Authorization header: send "Bearer <token>"');
      const caller = await this.cached(`t:${hashToken(match[1]!)}`, (h) => this.fromToken(h));
      if (!caller) throw new TandemError('unauthorized', 'invalid or expired token');
      return caller;
    }
    const cookie = readCookie(req.headers.cookie, SESSION_COOKIE);
    if (cookie !== undefined) {
      const caller = await this.cached(`s:${hashToken(cookie)}`, (h) => this.fromSession(h));
      if (!caller) throw new TandemError('unauthorized', 'your session has ended: sign in again');
      if (!['GET', 'HEAD', 'OPTIONS'].includes(req.method)) await this.checkCsrf(req, caller);
      return caller;
    }
    throw new TandemError('unauthorized', 'sign in, or send "Authorization: Bearer <token>"');
  }

  private async checkCsrf(req: FastifyRequest, caller: Caller): Promise<void> {
    const sent = req.headers[CSRF_HEADER];
    const row = await this.store.db
      .selectFrom('sessions')
      .select('csrf_token')
      .where('id_hash', '=', caller.sessionHash ?? '')
      .executeTakeFirst();
    if (typeof sent !== 'string' || !row || !safeEqual(sent, row.csrf_token))
      throw new TandemError(
        'forbidden',
        `a change made with a session cookie needs the ${CSRF_HEADER} header`,
      );
  }

  private async cached(key: string, load: (hash: string) => Promise<Caller | null>): Promise<Caller | null> {
    const now = this.clock();
    const hit = this.cache.get(key);
    if (hit && hit.until > now) return hit.caller;
    const caller = await load(key.slice(2));
    // 5 s: a revoked token or a changed grant takes effect within seconds on every replica.
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(key, { caller, until: now + 5_000 });
    return caller;
  }

  private async fromToken(hash: string): Promise<Caller | null> {
    const now = this.clock();
    const row = await this.store.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('token_hash', '=', hash)
      .executeTakeFirst();
    if (!row || row.revoked_at !== null || (row.expires_at !== null && row.expires_at <= now)) return null;
    let userId = row.user_id;
    if (userId === null) {
      const user = await this.store.db
        .selectFrom('users')
        .select('id')
        .where('username', '=', row.subject)
        .executeTakeFirst();
      userId = user?.id ?? null;
    }
    if (userId === null) return null;
    await this.store.db
      .updateTable('api_tokens')
      .set({ last_used_at: now })
      .where('id', '=', row.id)
      .execute();
    // A token made without a scope may do what its owner may (like a session): the grants decide.
    const scope = isRole(row.role) ? row.role : row.role === OWNER_SCOPE ? 'admin' : 'viewer';
    return this.principal(userId, scope, row.id, null);
  }

  private async fromSession(hash: string): Promise<Caller | null> {
    const now = this.clock();
    const row = await touchSession(this.store.db, hash, now, this.sessionLimits);
    if (!row) return null;
    return this.principal(row.user_id, 'admin', null, hash);
  }

  private async principal(
    userId: string,
    scope: Role,
    tokenId: string | null,
    sessionHash: string | null,
  ): Promise<Caller | null> {
    const access = await loadUserAccess(this.store.db, userId);
    if (!access || access.user.disabled !== 0) return null;
    return {
      userId,
      username: access.user.username,
      subject: access.user.username,
      teams: access.teams,
      grants: access.grants,
      scope,
      tokenId,
      sessionHash,
    };
  }
}

/** One cookie's value from a Cookie header, without a parser plugin. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}
