/**
 * Checking a username and password, for `POST /auth/login` and `POST /auth/tokens`. An unknown
 * user, a user without a password and a wrong password cost the same scrypt work and answer the
 * same error, so neither the answer nor its timing tells whether a username exists.
 */
import type { FastifyRequest } from 'fastify';
import { TandemError } from '../core/errors.ts';
import { appendAudit, findUserByName, updateUser, type Store, type UserRow } from '../store/index.ts';
import { decoyHash, hashPassword, needsRehash, verifyPassword } from './password.ts';
import type { LoginThrottle } from './rate-limit.ts';

export const WRONG_CREDENTIALS = 'wrong username or password';

export type SignInResult = { user: UserRow } | { retryAfterMs: number };

export async function signIn(
  deps: { store: Store; clock: () => number; throttle: LoginThrottle },
  req: FastifyRequest,
  credentials: { username: string; password: string },
  via: 'login' | 'token',
): Promise<SignInResult> {
  const { username, password } = credentials;
  const address = req.ip;
  const wait = deps.throttle.retryAfter(username, address);
  if (wait > 0) return { retryAfterMs: wait };

  const user = await findUserByName(deps.store.db, username);
  const stored = user?.password_hash ?? null;
  const matches = await verifyPassword(password, stored ?? (await decoyHash()));
  const ok = user !== undefined && stored !== null && matches;

  const audit = (result: 'success' | 'failure', reason?: string) =>
    deps.store.transaction((tx) =>
      appendAudit(
        tx,
        {
          actor: ok ? username : 'anonymous',
          action: 'session.login',
          target: `user:${username}`,
          address,
          data: { result, method: 'password', via, ...(reason === undefined ? {} : { reason }) },
        },
        deps.clock(),
      ),
    );

  if (!ok) {
    deps.throttle.failed(username, address);
    await audit('failure');
    throw new TandemError('unauthorized', WRONG_CREDENTIALS);
  }
  // The password is right, so saying the account is disabled reveals nothing new.
  if (user.disabled !== 0) {
    await audit('failure', 'disabled');
    throw new TandemError('forbidden', `the account ${username} is disabled: ask an administrator`);
  }
  deps.throttle.succeeded(username, address);
  const now = deps.clock();
  const rehash = needsRehash(stored) ? await hashPassword(password) : undefined;
  const updated = await updateUser(
    deps.store.db,
    user.id,
    { lastLoginAt: now, ...(rehash === undefined ? {} : { passwordHash: rehash }) },
    now,
  );
  // Success is audited by the caller, in the transaction that opens the session or makes the token.
  return { user: updated };
}
