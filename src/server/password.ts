/**
 * Password hashing with scrypt (node:crypto). The stored text carries its parameters, so they
 * can be raised later without invalidating older hashes:
 *
 *   scrypt$<log2 N>$<r>$<p>$<salt, base64url>$<hash, base64url>
 */
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { TandemError } from '../core/errors.ts';

/**
 * N = 2^15, r = 8, p = 1: 32 MiB and ~50 ms a hash (OWASP's scrypt minimum is 2^17 with r = 8
 * at 128 MiB; 2^15 keeps a few concurrent sign-ins from exhausting a small server's memory).
 */
const DEFAULT = { logN: 15, r: 8, p: 1 };
const KEY_BYTES = 32;
const SALT_BYTES = 16;
/** Parameters a stored hash may ask for: bounded, so a crafted row cannot exhaust memory. */
const MAX_LOG_N = 20;

export const PASSWORD_MIN = 10;
/** Long enough for any passphrase; the bound keeps hashing cost predictable. */
export const PASSWORD_MAX = 256;

function derive(password: string, salt: Buffer, logN: number, r: number, p: number): Promise<Buffer> {
  const N = 2 ** logN;
  const options: ScryptOptions = { N, r, p, maxmem: 128 * N * r * p + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, KEY_BYTES, options, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/** A new salted hash of `password`, with its parameters. */
export async function hashPassword(password: string, params = DEFAULT): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, params.logN, params.r, params.p);
  return [
    'scrypt',
    params.logN,
    params.r,
    params.p,
    salt.toString('base64url'),
    key.toString('base64url'),
  ].join('$');
}

interface Parsed {
  logN: number;
  r: number;
  p: number;
  salt: Buffer;
  key: Buffer;
}

function parse(stored: string): Parsed | undefined {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [logN, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (
    ![logN, r, p].every(Number.isInteger) ||
    logN < 10 ||
    logN > MAX_LOG_N ||
    r < 1 ||
    r > 32 ||
    p < 1 ||
    p > 4
  )
    return undefined;
  const salt = Buffer.from(parts[4]!, 'base64url');
  const key = Buffer.from(parts[5]!, 'base64url');
  if (salt.length < 8 || key.length !== KEY_BYTES) return undefined;
  return { logN, r, p, salt, key };
}

/** Does `password` match `stored`? Compared in constant time; a malformed hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parse(stored);
  if (!parsed) {
    // Do the same work as a real check, so a broken row is not told apart by timing.
    await verifyPassword(password, await decoyHash());
    return false;
  }
  const key = await derive(password, parsed.salt, parsed.logN, parsed.r, parsed.p);
  return timingSafeEqual(key, parsed.key);
}

let decoy: Promise<string> | undefined;

/**
 * A hash of a random password with the default parameters: checking a password against it
 * costs what a real check costs, for sign-ins of users that do not exist or have no password.
 */
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword(randomBytes(18).toString('base64url'));
  return decoy;
}

/** Does a stored hash use weaker parameters than today's, so it should be rehashed at sign-in? */
export function needsRehash(stored: string): boolean {
  const parsed = parse(stored);
  return !parsed || parsed.logN < DEFAULT.logN || parsed.r < DEFAULT.r;
}

/**
 * Why a new password is refused, or undefined when it is acceptable: 10 to 256 characters, not
 * the username, and at least 4 different characters.
 */
export function passwordProblem(password: string, username?: string): string | undefined {
  // Code points, not UTF-16 units: a passphrase in Chinese counts its characters.
  const length = Array.from(password).length;
  if (length < PASSWORD_MIN) return `the password must have at least ${PASSWORD_MIN} characters`;
  if (length > PASSWORD_MAX) return `the password must have at most ${PASSWORD_MAX} characters`;
  if (username !== undefined && password.toLowerCase().includes(username.toLowerCase()))
    return 'the password must not contain the username';
  if (new Set(Array.from(password)).size < 4) return 'the password must use at least 4 different characters';
  return undefined;
}

/** Throws `invalid_input` naming `field` when the password is not acceptable. */
export function checkNewPassword(password: string, username: string, field = 'body.password'): void {
  const problem = passwordProblem(password, username);
  if (problem)
    throw new TandemError('invalid_input', `${field}: ${problem}`, {
      details: [{ path: field, message: problem }],
    });
}
