/**
 * Web sessions as the browser sees them: a `tandem_session` cookie (HttpOnly, SameSite=Strict,
 * Path=/, Secure over TLS) holding a random id whose sha256 is the stored key, and a CSRF token
 * the console sends back in `X-CSRF-Token` on every change.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { TandemError } from '../core/errors.ts';
import { parseDuration } from '../core/runbook/index.ts';
import {
  DEFAULT_SESSION_LIMITS,
  insertSession,
  randomToken,
  type SessionLimits,
  type Tx,
} from '../store/index.ts';
import { hashToken, SESSION_COOKIE } from './auth.ts';

/**
 * Limits from `TANDEM_SESSION_IDLE` (default 12h) and `TANDEM_SESSION_MAX_AGE` (default 7d),
 * durations such as `30m`, `12h`, `7d`.
 */
export function sessionLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): SessionLimits {
  const read = (name: string, fallback: number) => {
    const text = env[name];
    if (text === undefined || text === '') return fallback;
    try {
      return parseDuration(text);
    } catch {
      throw new TandemError('invalid_input', `${name}: "${text}" is not a duration such as 30m, 12h or 7d`);
    }
  };
  return {
    idleMs: read('TANDEM_SESSION_IDLE', DEFAULT_SESSION_LIMITS.idleMs),
    maxAgeMs: read('TANDEM_SESSION_MAX_AGE', DEFAULT_SESSION_LIMITS.maxAgeMs),
  };
}

export interface OpenedSession {
  /** The cookie value: the only place the session id exists unhashed. */
  id: string;
  csrfToken: string;
}

/** Open a session for a user inside `tx`. */
export async function openSession(
  tx: Tx,
  s: {
    userId: string;
    source: 'password' | 'oidc';
    address: string | null;
    now: number;
    limits: SessionLimits;
  },
): Promise<OpenedSession> {
  const id = randomToken(32);
  const csrfToken = randomToken(32);
  await insertSession(tx.db, { ...s, idHash: hashToken(id), csrfToken });
  return { id, csrfToken };
}

/** Set the session cookie; it lasts as long as the session can. */
export function setSessionCookie(
  req: FastifyRequest,
  reply: FastifyReply,
  id: string,
  limits: SessionLimits,
): void {
  const maxAge = Math.floor(limits.maxAgeMs / 1000);
  reply.header('set-cookie', cookie(req, `${SESSION_COOKIE}=${encodeURIComponent(id)}`, maxAge));
}

/** Tell the browser to drop the session cookie. */
export function clearSessionCookie(req: FastifyRequest, reply: FastifyReply): void {
  reply.header('set-cookie', cookie(req, `${SESSION_COOKIE}=`, 0));
}

function cookie(req: FastifyRequest, pair: string, maxAge: number): string {
  const attributes = [pair, 'Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${maxAge}`];
  if (req.protocol === 'https') attributes.push('Secure');
  return attributes.join('; ');
}
