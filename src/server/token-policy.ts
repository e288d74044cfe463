/**
 * What a new API token may be: its scope (a role, never more than its owner holds nor more than
 * the credential asking for it) and its lifetime (`expires_in` such as `30d`, one year at most).
 */
import { ROLE_PERMISSIONS, type Grant, type Role } from '../core/access/index.ts';
import { TandemError } from '../core/errors.ts';
import { parseDuration } from '../core/runbook/index.ts';

/** A token made without `expires_in` lives 90 days. */
export const DEFAULT_TOKEN_LIFETIME = '90d';
export const MAX_TOKEN_LIFETIME_MS = 365 * 86_400_000;
const MIN_TOKEN_LIFETIME_MS = 60_000;

/** Does role `a` carry every permission of role `b`? */
export function roleCovers(a: Role, b: Role): boolean {
  const have = ROLE_PERMISSIONS[a];
  return [...ROLE_PERMISSIONS[b]].every((p) => have.has(p));
}

/**
 * The scope of a new token for an owner with `grants`, asked for by a credential of scope
 * `callerScope`; null means "whatever its owner may do", like a web session. Without a request a
 * token gets that — or, asked for by a scoped credential, that credential's scope. A requested
 * role must be covered by one of the owner's roles and by the caller's scope (`viewer` is
 * always allowed: it gives nothing the grants do not).
 */
export function tokenScope(
  grants: readonly Grant[],
  callerScope: Role,
  requested: Role | undefined,
): Role | null {
  if (requested === undefined) return callerScope === 'admin' ? null : callerScope;
  const held = requested === 'viewer' || grants.some((g) => roleCovers(g.role, requested));
  if (!roleCovers(callerScope, requested) || !held) {
    const reason = held
      ? `the credential in use is scoped to ${callerScope}`
      : `its owner holds no role that covers ${requested}`;
    throw new TandemError('forbidden', `a token scoped to ${requested} is not allowed: ${reason}`);
  }
  return requested;
}

/** Milliseconds a token lives, from `expires_in` such as `30d` or `12h` (default 90 days). */
export function tokenLifetime(expiresIn: string | undefined): number {
  const text = expiresIn ?? DEFAULT_TOKEN_LIFETIME;
  let ms: number;
  try {
    ms = parseDuration(text);
  } catch {
    throw invalidLifetime(`"${text}" is not a duration: write e.g. 30d, 12h or 90m`);
  }
  if (ms < MIN_TOKEN_LIFETIME_MS) throw invalidLifetime('a token must live at least 1 minute');
  if (ms > MAX_TOKEN_LIFETIME_MS) throw invalidLifetime('a token may live 1 year (365d) at most');
  return ms;
}

function invalidLifetime(message: string): TandemError {
  return new TandemError('invalid_input', `body.expires_in: ${message}`, {
    details: [{ path: 'body.expires_in', message }],
  });
}
