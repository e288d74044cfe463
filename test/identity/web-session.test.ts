import type { FastifyReply, FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { clearSessionCookie, sessionLimitsFromEnv, setSessionCookie } from '../../src/server/web-session.ts';

/** The one thing the cookie functions read of a request, and write to a reply. */
function exchange(protocol: 'http' | 'https') {
  const headers: Record<string, string> = {};
  const reply = {
    header(name: string, value: string) {
      headers[name] = value;
      return reply;
    },
  };
  return { req: { protocol } as FastifyRequest, reply: reply as unknown as FastifyReply, headers };
}

describe('web session cookies', () => {
  it('are HttpOnly, SameSite=Strict, Path=/, last the absolute limit, and Secure over TLS only', () => {
    const limits = { idleMs: 3_600_000, maxAgeMs: 86_400_000 };
    const plain = exchange('http');
    setSessionCookie(plain.req, plain.reply, 'abc', limits);
    expect(plain.headers['set-cookie']).toBe(
      'tandem_session=abc; Path=/; HttpOnly; SameSite=Strict; Max-Age=86400',
    );
    const tls = exchange('https');
    setSessionCookie(tls.req, tls.reply, 'abc', limits);
    expect(tls.headers['set-cookie']).toMatch(/; Secure$/);
    clearSessionCookie(tls.req, tls.reply);
    expect(tls.headers['set-cookie']).toBe(
      'tandem_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0; Secure',
    );
  });

  it('take their limits from the environment: 12 h idle and 7 days by default', () => {
    expect(sessionLimitsFromEnv({})).toEqual({ idleMs: 12 * 3_600_000, maxAgeMs: 7 * 86_400_000 });
    expect(sessionLimitsFromEnv({ TANDEM_SESSION_IDLE: '30m', TANDEM_SESSION_MAX_AGE: '1d' })).toEqual({
      idleMs: 1_800_000,
      maxAgeMs: 86_400_000,
    });
    expect(() => sessionLimitsFromEnv({ TANDEM_SESSION_IDLE: 'soon' })).toThrow(/TANDEM_SESSION_IDLE/);
  });
});
