import { describe, expect, it } from 'vitest';
import { LoginThrottle, RateLimiter, rateLimitsFromEnv } from '../../src/server/rate-limit.ts';

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('RateLimiter', () => {
  it('refuses a key once its limit falls within the window, and frees it as attempts slide out', () => {
    const c = clock();
    const limiter = new RateLimiter({ limit: 3, windowMs: 60_000 }, c.now);
    for (let i = 0; i < 3; i++) {
      expect(limiter.retryAfter('a')).toBe(0);
      limiter.hit('a');
      c.advance(10_000);
    }
    // Attempts at 0, 10 and 20 s; now 30 s: the first leaves the window at 60 s.
    expect(limiter.retryAfter('a')).toBe(30_000);
    expect(limiter.retryAfter('b')).toBe(0);
    c.advance(30_000);
    expect(limiter.retryAfter('a')).toBe(0);
    limiter.hit('a');
    // Now 60 s with attempts at 10, 20 and 60 s: free again at 70 s.
    expect(limiter.retryAfter('a')).toBe(10_000);
  });

  it('forgets a key on reset, and the least recently used keys past its size', () => {
    const c = clock();
    const limiter = new RateLimiter({ limit: 1, windowMs: 60_000 }, c.now, 2);
    limiter.hit('a');
    limiter.reset('a');
    expect(limiter.retryAfter('a')).toBe(0);
    limiter.hit('x');
    limiter.hit('y');
    limiter.hit('z');
    expect(limiter.retryAfter('x')).toBe(0);
    expect(limiter.retryAfter('y')).toBeGreaterThan(0);
    expect(limiter.retryAfter('z')).toBeGreaterThan(0);
  });
});

describe('LoginThrottle', () => {
  it('limits failures per username and address, and per address; success forgives the username', () => {
    const c = clock();
    const t = new LoginThrottle({ limit: 2, windowMs: 60_000 }, { limit: 5, windowMs: 60_000 }, c.now);
    t.failed('alice', '10.0.0.1');
    t.failed('Alice', '10.0.0.1');
    expect(t.retryAfter('alice', '10.0.0.1')).toBeGreaterThan(0);
    expect(t.retryAfter('alice', '10.0.0.2')).toBe(0);
    expect(t.retryAfter('bob', '10.0.0.1')).toBe(0);
    t.succeeded('alice', '10.0.0.1');
    expect(t.retryAfter('alice', '10.0.0.1')).toBe(0);
    for (const name of ['b', 'c', 'd']) t.failed(name, '10.0.0.1');
    expect(t.retryAfter('someone-else', '10.0.0.1')).toBeGreaterThan(0);
    c.advance(60_000);
    expect(t.retryAfter('someone-else', '10.0.0.1')).toBe(0);
  });

  it('reads its limits from the environment, ignoring nonsense', () => {
    expect(rateLimitsFromEnv({ TANDEM_LOGIN_FAILURES_PER_MINUTE: '4' })).toMatchObject({
      login: { limit: 4, windowMs: 60_000 },
      loginAddress: { limit: 12 },
      bearer: { limit: 30 },
    });
    expect(rateLimitsFromEnv({ TANDEM_LOGIN_FAILURES_PER_MINUTE: '-1' }).login.limit).toBe(10);
  });
});
