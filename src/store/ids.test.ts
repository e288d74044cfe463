import { describe, expect, it } from 'vitest';
import { createUuidV7, randomToken, uuidv7 } from './ids.ts';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function timestampOf(id: string): number {
  return parseInt(id.replaceAll('-', '').slice(0, 12), 16);
}

describe('uuidv7', () => {
  it('has the UUID version 7 layout with the current time in its first 48 bits', () => {
    const before = Date.now();
    const id = uuidv7();
    expect(id).toMatch(UUID_V7);
    expect(timestampOf(id)).toBeGreaterThanOrEqual(before);
    expect(timestampOf(id)).toBeLessThanOrEqual(Date.now());
  });

  it('ids made in a tight loop sort strictly in creation order', () => {
    const ids = Array.from({ length: 20_000 }, () => uuidv7());
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('more than 4096 ids in one millisecond stay ordered by carrying into the next millisecond', () => {
    const next = createUuidV7(() => 1_700_000_000_000);
    const ids = Array.from({ length: 10_000 }, () => next());
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true);
    expect(timestampOf(ids[0]!)).toBe(1_700_000_000_000);
    expect(timestampOf(ids.at(-1)!)).toBeGreaterThan(1_700_000_000_000);
  });

  it('a clock that steps back does not break the order', () => {
    let now = 1_700_000_000_500;
    const next = createUuidV7(() => now);
    const a = next();
    now -= 400;
    const b = next();
    now += 1000;
    const c = next();
    expect(b > a).toBe(true);
    expect(c > b).toBe(true);
    expect(timestampOf(c)).toBe(now);
  });
});

describe('randomToken', () => {
  it('is base64url of 32 random bytes by default', () => {
    const token = randomToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(randomToken()).not.toBe(token);
  });

  it('takes another length in bytes', () => {
    expect(Buffer.from(randomToken(16), 'base64url')).toHaveLength(16);
  });
});
