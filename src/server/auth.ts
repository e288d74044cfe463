/**
 * Bearer-token authentication. Tokens are stored as sha256 hashes; the first admin's token is
 * `TANDEM_ADMIN_TOKEN` when set at first start, otherwise generated and printed once.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { TandemError } from '../core/errors.ts';
import { randomToken, uuidv7, type Store } from '../store/index.ts';

export interface Caller {
  subject: string;
  role: string;
  tokenId: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller | null;
  }
}

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** Make sure an admin token exists. Returns the token when one was generated (to print once). */
export async function ensureAdminToken(
  store: Store,
  envToken: string | undefined,
  now: number,
): Promise<string | undefined> {
  return store.transaction(async (tx) => {
    const any = await tx.db.selectFrom('api_tokens').select('id').limit(1).executeTakeFirst();
    if (any) return undefined;
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
        created_at: now,
        expires_at: null,
        revoked_at: null,
      })
      .execute();
    return envToken ? undefined : token;
  });
}

/** Resolves the caller of a request from its bearer token, with a short cache. */
export class TokenAuthenticator {
  private cache = new Map<string, { caller: Caller | null; until: number }>();
  constructor(
    private readonly store: Store,
    private readonly clock: () => number,
  ) {}

  async authenticate(req: FastifyRequest): Promise<Caller> {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match)
      throw new TandemError('unauthorized', 'missing bearer token: send "Authorization: Bearer <token>"');
    const hash = hashToken(match[1]!);
    const now = this.clock();
    const hit = this.cache.get(hash);
    let caller = hit && hit.until > now ? hit.caller : undefined;
    if (caller === undefined) {
      const row = await this.store.db
        .selectFrom('api_tokens')
        .selectAll()
        .where('token_hash', '=', hash)
        .executeTakeFirst();
      const valid =
        row !== undefined &&
        timingSafeEqual(Buffer.from(row.token_hash), Buffer.from(hash)) &&
        row.revoked_at === null &&
        (row.expires_at === null || row.expires_at > now);
      caller = valid ? { subject: row.subject, role: row.role, tokenId: row.id } : null;
      // 5 s: a revoked token stops working within seconds without a lookup per request.
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(hash, { caller, until: now + 5_000 });
    }
    if (!caller) throw new TandemError('unauthorized', 'invalid or expired token');
    return caller;
  }
}
