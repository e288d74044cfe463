/**
 * Slowing down guessing: failed sign-ins per username and address and per address, failed bearer
 * tokens per address. In memory, per replica: behind a load balancer of N replicas a guesser
 * gets at most N times the limit, which still turns a brute force into years.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isTandemError } from '../core/errors.ts';

export interface RateLimit {
  /** Attempts allowed in any window… */
  limit: number;
  /** …of this many milliseconds. */
  windowMs: number;
}

/**
 * A sliding-window log: the times of the last `limit` attempts of each key. A key is refused
 * while `limit` attempts fall within the last `windowMs`.
 */
export class RateLimiter {
  private readonly hits = new Map<string, number[]>();

  constructor(
    readonly rule: RateLimit,
    private readonly clock: () => number = Date.now,
    /** Keys remembered at most; past this, forgotten oldest first (bounded memory under a flood). */
    private readonly maxKeys = 50_000,
  ) {}

  /** Milliseconds until `key` may try again; 0 when it may now. */
  retryAfter(key: string): number {
    const now = this.clock();
    const times = this.live(key, now);
    if (times.length < this.rule.limit) return 0;
    return times[0]! + this.rule.windowMs - now;
  }

  /** Count one attempt of `key`. */
  hit(key: string): void {
    const now = this.clock();
    const times = this.live(key, now);
    times.push(now);
    if (times.length > this.rule.limit) times.shift();
    // Re-inserted, so the map's order is least recently used first.
    this.hits.delete(key);
    this.hits.set(key, times);
    if (this.hits.size > this.maxKeys) this.hits.delete(this.hits.keys().next().value!);
  }

  /** Forget `key`, e.g. after a successful sign-in. */
  reset(key: string): void {
    this.hits.delete(key);
  }

  private live(key: string, now: number): number[] {
    const times = this.hits.get(key) ?? [];
    while (times.length > 0 && times[0]! <= now - this.rule.windowMs) times.shift();
    return times;
  }
}

/**
 * Failed sign-ins (password logins and `POST /auth/tokens`): per username and address, and per
 * address over all usernames (one address trying many names). Success forgives its username.
 */
export class LoginThrottle {
  private readonly perUser: RateLimiter;
  private readonly perAddress: RateLimiter;

  constructor(perUser: RateLimit, perAddress: RateLimit, clock: () => number = Date.now) {
    this.perUser = new RateLimiter(perUser, clock);
    this.perAddress = new RateLimiter(perAddress, clock);
  }

  retryAfter(username: string, address: string): number {
    return Math.max(this.perUser.retryAfter(userKey(username, address)), this.perAddress.retryAfter(address));
  }

  failed(username: string, address: string): void {
    this.perUser.hit(userKey(username, address));
    this.perAddress.hit(address);
  }

  succeeded(username: string, address: string): void {
    this.perUser.reset(userKey(username, address));
  }
}

const userKey = (username: string, address: string) => `${username.toLowerCase()}\n${address}`;

/** The limits, from the environment (documented in the README). */
export function rateLimitsFromEnv(env: NodeJS.ProcessEnv = process.env) {
  const perMinute = (name: string, fallback: number): RateLimit => {
    const n = Number(env[name]);
    return { limit: Number.isInteger(n) && n > 0 ? n : fallback, windowMs: 60_000 };
  };
  const login = perMinute('TANDEM_LOGIN_FAILURES_PER_MINUTE', 10);
  return {
    /** Failed sign-ins per username and address: 10 a minute. */
    login,
    /** Failed sign-ins per address over all usernames: three times that. */
    loginAddress: { limit: login.limit * 3, windowMs: login.windowMs },
    /** Refused bearer tokens per address: 30 a minute. */
    bearer: perMinute('TANDEM_TOKEN_FAILURES_PER_MINUTE', 30),
  };
}

/** Answer 429 with Retry-After (whole seconds, at least 1). */
export function tooManyAttempts(reply: FastifyReply, retryAfterMs: number, what: string): FastifyReply {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return reply
    .code(429)
    .header('retry-after', String(seconds))
    .send({
      error: {
        code: 'rate_limited',
        message: `too many ${what} from this address: try again in ${seconds} s`,
        details: [],
      },
    });
}

/**
 * Refused bearer tokens per address. Only requests carrying an Authorization header are counted
 * and held back: a browser with a session cookie at the same address is not.
 */
export class BearerThrottle {
  private readonly limiter: RateLimiter;

  constructor(rule: RateLimit, clock: () => number = Date.now) {
    this.limiter = new RateLimiter(rule, clock);
  }

  /** Milliseconds until this request's address may present a token again; 0 when it may now. */
  retryAfter(req: FastifyRequest): number {
    return req.headers.authorization === undefined ? 0 : this.limiter.retryAfter(req.ip);
  }

  /** Run `authenticate`, counting a refused token against the request's address. */
  async watch<T>(req: FastifyRequest, authenticate: () => Promise<T>): Promise<T> {
    try {
      return await authenticate();
    } catch (err: unknown) {
      if (req.headers.authorization !== undefined && isTandemError(err, 'unauthorized'))
        this.limiter.hit(req.ip);
      throw err;
    }
  }
}
