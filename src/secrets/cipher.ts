/**
 * AES-256-GCM for secret values. Each value gets a fresh random 12-byte nonce (NIST SP 800-38D's
 * recommended size; random nonces stay safe far beyond the number of secrets any store holds),
 * and the additional authenticated data is `name|site`: a ciphertext copied to another name or
 * site fails to decrypt instead of handing one site's password to another.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { TandemError } from '../core/errors.ts';

const ALGORITHM = 'aes-256-gcm';
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;

/** An encrypted value as stored: three base64 texts. */
export interface SealedValue {
  ciphertext: string;
  nonce: string;
  tag: string;
}

/** Where a value belongs; bound into the ciphertext. Names cannot hold `|`, so this is unambiguous. */
export interface SecretAddress {
  name: string;
  site: string;
}

const aad = (at: SecretAddress): Buffer => Buffer.from(`${at.name}|${at.site}`, 'utf8');

export function encryptValue(key: Buffer, at: SecretAddress, value: string): SealedValue {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad(at));
  const ciphertext = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
  return {
    ciphertext: ciphertext.toString('base64'),
    nonce: nonce.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
  };
}

/** The value; a `TandemError` when the ciphertext, nonce, tag, name or site was changed. */
export function decryptValue(key: Buffer, at: SecretAddress, sealed: SealedValue): string {
  const nonce = Buffer.from(sealed.nonce, 'base64');
  const tag = Buffer.from(sealed.tag, 'base64');
  const where = `secret ${at.name} of site ${at.site}`;
  if (nonce.length !== NONCE_BYTES || tag.length !== TAG_BYTES)
    throw new TandemError(
      'internal',
      `${where} is damaged in the store: its nonce or tag has the wrong size`,
    );
  try {
    const decipher = createDecipheriv(ALGORITHM, key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad(at));
    decipher.setAuthTag(tag);
    const plain = Buffer.concat([
      decipher.update(Buffer.from(sealed.ciphertext, 'base64')),
      decipher.final(),
    ]);
    return plain.toString('utf8');
  } catch (err: unknown) {
    throw new TandemError(
      'internal',
      `${where} cannot be decrypted: its stored row was altered or copied from another name or site`,
      { cause: err },
    );
  }
}
