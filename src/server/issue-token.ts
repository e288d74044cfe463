/**
 * Making an API token: `tdm_` and 256 random bits, stored as its sha256, answered once. Used by
 * `POST /tokens` (a signed-in caller) and `POST /auth/tokens` (username and password: `tandem login`).
 */
import type { Role } from '../core/access/index.ts';
import { TandemError } from '../core/errors.ts';
import {
  appendAudit,
  insertApiToken,
  loadUserAccess,
  OWNER_SCOPE,
  randomToken,
  uuidv7,
  type Tx,
  type UserRow,
} from '../store/index.ts';
import { hashToken } from './auth.ts';
import { tokenLifetime, tokenScope } from './token-policy.ts';

export interface TokenRequest {
  owner: UserRow;
  name: string;
  scope?: Role | undefined;
  expiresIn?: string | undefined;
  /** The scope of the credential asking: a token never gets more. */
  callerScope: Role;
  actor: string;
  address: string | null;
  now: number;
}

/** The new token as answered (the only time its secret is shown). */
export interface IssuedToken {
  id: string;
  name: string;
  user: string;
  token: string;
  /** The most the token may do; null: whatever its owner may do. */
  scope: Role | null;
  expires_at: string;
}

/** Make a token inside `tx`, with its audit entry (which never holds the token). */
export async function issueToken(tx: Tx, r: TokenRequest): Promise<IssuedToken> {
  if (r.owner.disabled !== 0)
    throw new TandemError('conflict', `user ${r.owner.username} is disabled: enable them first`);
  const access = await loadUserAccess(tx.db, r.owner.id);
  const scope = tokenScope(access?.grants ?? [], r.callerScope, r.scope);
  const expiresAt = r.now + tokenLifetime(r.expiresIn);
  const token = `tdm_${randomToken(32)}`;
  const row = await insertApiToken(tx.db, {
    id: uuidv7(),
    name: r.name,
    tokenHash: hashToken(token),
    userId: r.owner.id,
    username: r.owner.username,
    scope: scope ?? OWNER_SCOPE,
    expiresAt,
    now: r.now,
  });
  await appendAudit(
    tx,
    {
      actor: r.actor,
      action: 'token.created',
      target: `token:${row.id}`,
      address: r.address,
      data: { user: r.owner.username, name: r.name, scope, expires_at: new Date(expiresAt).toISOString() },
    },
    r.now,
  );
  return {
    id: row.id,
    name: row.name,
    user: r.owner.username,
    token,
    scope,
    expires_at: new Date(expiresAt).toISOString(),
  };
}
