import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isTandemError } from '../core/errors.ts';
import { decryptValue, encryptValue, NONCE_BYTES } from './cipher.ts';

const key = randomBytes(32);
const at = { name: 'pg_password', site: 'paris' };

describe('secret encryption', () => {
  it('gives back the value it encrypted, any text included', () => {
    for (const value of ['x', 'it\'s "quoted" $(rm -rf /)\n\\', 'ünïcødé 🔑', 'a'.repeat(65_536)]) {
      expect(decryptValue(key, at, encryptValue(key, at, value))).toBe(value);
    }
  });

  it('uses a fresh 12-byte nonce for each value, so equal values give different ciphertexts', () => {
    const a = encryptValue(key, at, 'same');
    const b = encryptValue(key, at, 'same');
    expect(Buffer.from(a.nonce, 'base64')).toHaveLength(NONCE_BYTES);
    expect(a.nonce).not.toBe(b.nonce);
    expect(a.ciphertext).not.toBe(b.ciphertext);
  });

  it('binds the value to its name and site: a ciphertext moved elsewhere does not decrypt', () => {
    const sealed = encryptValue(key, at, 'hunter2');
    for (const other of [
      { name: 'other', site: 'paris' },
      { name: 'pg_password', site: 'london' },
      { name: 'pg_password', site: '*' },
    ]) {
      let err: unknown;
      try {
        decryptValue(key, other, sealed);
      } catch (e: unknown) {
        err = e;
      }
      expect(isTandemError(err, 'internal')).toBe(true);
      expect((err as Error).message).toBe(
        `secret ${other.name} of site ${other.site} cannot be decrypted: its stored row was altered or copied from another name or site`,
      );
    }
  });

  it('refuses an altered ciphertext or tag and another key', () => {
    const sealed = encryptValue(key, at, 'hunter2');
    const flipped = Buffer.from(sealed.ciphertext, 'base64');
    flipped[0] = flipped[0]! ^ 1;
    expect(() => decryptValue(key, at, { ...sealed, ciphertext: flipped.toString('base64') })).toThrow(
      /cannot be decrypted/,
    );
    expect(() => decryptValue(key, at, { ...sealed, tag: Buffer.alloc(16).toString('base64') })).toThrow(
      /cannot be decrypted/,
    );
    expect(() => decryptValue(key, at, { ...sealed, tag: Buffer.alloc(4).toString('base64') })).toThrow(
      /wrong size/,
    );
    expect(() => decryptValue(randomBytes(32), at, sealed)).toThrow(/cannot be decrypted/);
  });
});
