/**
 * The master key that encrypts every secret value: 32 bytes for AES-256-GCM.
 *
 * It comes from `TANDEM_MASTER_KEY` (base64 or hex) or else from `<dataDir>/master.key`, which
 * the first start creates. Its fingerprint is stored beside each ciphertext, so a server started
 * with another key says so instead of failing to decrypt with a vague message.
 *
 * Replicas sharing one PostgreSQL store must share one key: give them all the same
 * `TANDEM_MASTER_KEY` (pass `generate: false` so a missing key is an error, not a fresh key).
 */
import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, mkdir, open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { TandemError } from '../core/errors.ts';

export interface MasterKey {
  /** 32 bytes. Never logged, never sent. */
  readonly key: Buffer;
  /** A short fingerprint (the first 16 hex digits of sha256(key)), stored as `key_id`. */
  readonly id: string;
}

export const MASTER_KEY_BYTES = 32;
export const MASTER_KEY_FILE = 'master.key';
export const MASTER_KEY_ENV = 'TANDEM_MASTER_KEY';

const HEX = /^[0-9a-fA-F]{64}$/;
/** 32 bytes are 43 base64 characters and one `=`; base64url and a missing `=` are accepted too. */
const BASE64 = /^[A-Za-z0-9+/_-]{43}=?$/;

export function keyFingerprint(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

export function masterKeyOf(key: Buffer): MasterKey {
  if (key.length !== MASTER_KEY_BYTES)
    throw new TandemError('invalid_input', `a master key has ${MASTER_KEY_BYTES} bytes, not ${key.length}`);
  return { key, id: keyFingerprint(key) };
}

/** The key in `text` (64 hex digits or base64 of 32 bytes); `where` names the source in errors. */
export function parseMasterKey(text: string, where: string): MasterKey {
  const t = text.trim();
  if (HEX.test(t)) return masterKeyOf(Buffer.from(t, 'hex'));
  if (BASE64.test(t)) return masterKeyOf(Buffer.from(t.replaceAll('-', '+').replaceAll('_', '/'), 'base64'));
  // Never quote the text: it is (a mistyped) key.
  throw new TandemError(
    'invalid_input',
    `${where} must hold ${MASTER_KEY_BYTES} bytes as base64 (44 characters, e.g. from "openssl rand -base64 32") ` +
      `or as 64 hex digits (e.g. from "openssl rand -hex 32"), but it has ${t.length} characters that are neither`,
  );
}

export interface LoadMasterKeyOptions {
  dataDir: string;
  env?: NodeJS.ProcessEnv;
  /** Create `<dataDir>/master.key` when there is no key at all (default true). */
  generate?: boolean;
}

/** The master key from `TANDEM_MASTER_KEY`, else the key file, created 0600 on first start. */
export async function loadMasterKey(o: LoadMasterKeyOptions): Promise<MasterKey> {
  const fromEnv = (o.env ?? process.env)[MASTER_KEY_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return parseMasterKey(fromEnv, MASTER_KEY_ENV);
  const path = join(o.dataDir, MASTER_KEY_FILE);
  const existing = await readKeyFile(path);
  if (existing) return existing;
  if (o.generate === false) {
    throw new TandemError(
      'invalid_input',
      `no master key: set ${MASTER_KEY_ENV} (the same on every replica) or put the key in ${path}`,
    );
  }
  return createKeyFile(o.dataDir, path);
}

/** The key in the file, or undefined when there is none; refuses a file others can read. */
async function readKeyFile(path: string): Promise<MasterKey | undefined> {
  let file;
  try {
    file = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err: unknown) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new TandemError('unavailable', `cannot read the master key file ${path}`, { cause: err });
  }
  try {
    const st = await file.stat();
    if (!st.isFile())
      throw new TandemError('invalid_input', `the master key file ${path} is not a regular file`);
    // As ssh does with private keys: a key others may read is not a secret any more.
    if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
      const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
      throw new TandemError(
        'invalid_input',
        `the master key file ${path} has mode ${mode}: it must be readable by its owner only; ` +
          `run "chmod 600 ${path}" (and consider the key exposed to whoever could read it)`,
      );
    }
    return parseMasterKey(await file.readFile('utf8'), `the master key file ${path}`);
  } finally {
    await file.close();
  }
}

/**
 * Write a new key to a temporary file, then link it into place: `link` fails when the name
 * exists, so two processes starting at once on one data folder agree on the first key written.
 */
async function createKeyFile(dataDir: string, path: string): Promise<MasterKey> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const key = masterKeyOf(randomBytes(MASTER_KEY_BYTES));
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const file = await open(tmp, 'wx', 0o600);
  try {
    // Text, so the same line can be handed to the other replicas as TANDEM_MASTER_KEY.
    await file.writeFile(`${key.key.toString('base64')}\n`);
    await file.sync();
  } finally {
    await file.close();
  }
  try {
    await link(tmp, path);
    return key;
  } catch (err: unknown) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const other = await readKeyFile(path);
    if (!other) throw err;
    return other;
  } finally {
    await unlink(tmp);
  }
}
