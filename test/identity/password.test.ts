import { describe, expect, it } from 'vitest';
import {
  checkNewPassword,
  hashPassword,
  needsRehash,
  passwordProblem,
  verifyPassword,
} from '../../src/server/password.ts';

describe('password hashing', () => {
  it('stores scrypt with its parameters and a fresh salt, and verifies only the right password', async () => {
    const a = await hashPassword('correct horse battery');
    const b = await hashPassword('correct horse battery');
    expect(a).toMatch(/^scrypt\$15\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('correct horse battery', a)).toBe(true);
    expect(await verifyPassword('correct horse batterY', a)).toBe(false);
    expect(await verifyPassword('', a)).toBe(false);
  });

  it('verifies hashes made with other parameters, and says they should be rehashed', async () => {
    const weak = await hashPassword('correct horse battery', { logN: 10, r: 8, p: 1 });
    expect(weak.startsWith('scrypt$10$8$1$')).toBe(true);
    expect(await verifyPassword('correct horse battery', weak)).toBe(true);
    expect(needsRehash(weak)).toBe(true);
    expect(needsRehash(await hashPassword('correct horse battery'))).toBe(false);
  });

  it('never matches a malformed or out-of-bounds stored hash', async () => {
    const good = await hashPassword('correct horse battery');
    const parts = good.split('$');
    for (const broken of [
      '',
      'plain-text',
      good.replace('scrypt', 'bcrypt'),
      [...parts.slice(0, 1), '30', ...parts.slice(2)].join('$'),
      parts.slice(0, 5).join('$'),
      `${good}$extra`,
    ])
      expect(await verifyPassword('correct horse battery', broken)).toBe(false);
  });

  it('treats the same text in another Unicode normal form as the same password', async () => {
    const composed = 'caf\u00e9 au lait 2024';
    const decomposed = 'cafe\u0301 au lait 2024';
    expect(await verifyPassword(decomposed, await hashPassword(composed))).toBe(true);
  });
});

describe('password rules', () => {
  it('names the rule a new password breaks', () => {
    expect(passwordProblem('short')).toMatch(/at least 10 characters/);
    expect(passwordProblem('x'.repeat(257))).toMatch(/at most 256/);
    expect(passwordProblem('alice-secret-words', 'alice')).toMatch(/must not contain the username/);
    expect(passwordProblem('abababababab')).toMatch(/at least 4 different characters/);
    expect(passwordProblem('correct horse battery', 'alice')).toBeUndefined();
    expect(() => checkNewPassword('short', 'alice')).toThrow(
      /body\.password: the password must have at least 10/,
    );
  });
});
