import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isTandemError } from '../core/errors.ts';
import { keyFingerprint, loadMasterKey, MASTER_KEY_FILE, parseMasterKey } from './master-key.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tandem-master-key-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const posix = process.platform !== 'win32';

describe('the master key', () => {
  it('is taken from TANDEM_MASTER_KEY as 64 hex digits or as base64, ignoring the key file', async () => {
    const bytes = randomBytes(32);
    for (const text of [
      bytes.toString('hex'),
      bytes.toString('base64'),
      bytes.toString('base64url'),
      ` ${bytes.toString('base64')}\n`,
    ]) {
      const key = await loadMasterKey({ dataDir: dir, env: { TANDEM_MASTER_KEY: text } });
      expect(key.key.equals(bytes)).toBe(true);
      expect(key.id).toBe(keyFingerprint(bytes));
    }
    await expect(stat(join(dir, MASTER_KEY_FILE))).rejects.toThrow();
  });

  it('has a 16-hex-digit fingerprint as its id', () => {
    const key = parseMasterKey('00'.repeat(32), 'test');
    expect(key.id).toMatch(/^[0-9a-f]{16}$/);
    expect(key.id).not.toBe(parseMasterKey('01'.repeat(32), 'test').id);
  });

  it('refuses a TANDEM_MASTER_KEY of the wrong length without quoting it', async () => {
    for (const text of [
      'short-but-secret',
      randomBytes(16).toString('base64'),
      'ab'.repeat(31),
      'zz'.repeat(32),
    ]) {
      const err: unknown = await loadMasterKey({ dataDir: dir, env: { TANDEM_MASTER_KEY: text } }).catch(
        (e: unknown) => e,
      );
      expect(isTandemError(err, 'invalid_input')).toBe(true);
      expect((err as Error).message).toMatch(
        /TANDEM_MASTER_KEY must hold 32 bytes as base64 .* or as 64 hex digits/,
      );
      expect((err as Error).message).not.toContain(text);
    }
  });

  it.runIf(posix)(
    'is created on first start as a 0600 key file, and read back the same afterwards',
    async () => {
      const first = await loadMasterKey({ dataDir: dir, env: {} });
      const path = join(dir, MASTER_KEY_FILE);
      expect((await stat(path)).mode & 0o777).toBe(0o600);
      expect((await readFile(path, 'utf8')).trim()).toBe(first.key.toString('base64'));
      const again = await loadMasterKey({ dataDir: dir, env: {} });
      expect(again.key.equals(first.key)).toBe(true);
      expect(again.id).toBe(first.id);
    },
  );

  it('is the same key for processes starting at once on one data folder', async () => {
    const keys = await Promise.all(Array.from({ length: 8 }, () => loadMasterKey({ dataDir: dir, env: {} })));
    expect(new Set(keys.map((k) => k.id)).size).toBe(1);
  });

  it.runIf(posix)('refuses a key file that its group or others can read, as ssh does', async () => {
    await loadMasterKey({ dataDir: dir, env: {} });
    const path = join(dir, MASTER_KEY_FILE);
    for (const mode of [0o644, 0o640, 0o604]) {
      await chmod(path, mode);
      await expect(loadMasterKey({ dataDir: dir, env: {} })).rejects.toThrow(
        `the master key file ${path} has mode 0${mode.toString(8)}: it must be readable by its owner only; run "chmod 600 ${path}"`,
      );
    }
  });

  it('refuses a damaged key file without quoting it', async () => {
    await writeFile(join(dir, MASTER_KEY_FILE), 'not a key at all\n', { mode: 0o600 });
    await expect(loadMasterKey({ dataDir: dir, env: {} })).rejects.toThrow(
      /master key file .* must hold 32 bytes/,
    );
  });

  it('is an error, not a fresh key, when generating is off and there is none', async () => {
    await expect(loadMasterKey({ dataDir: dir, env: {}, generate: false })).rejects.toThrow(
      /no master key: set TANDEM_MASTER_KEY \(the same on every replica\)/,
    );
    await expect(stat(join(dir, MASTER_KEY_FILE))).rejects.toThrow();
  });

  it('creates the data folder when it does not exist yet', async () => {
    const nested = join(dir, 'a', 'b');
    const key = await loadMasterKey({ dataDir: nested, env: {} });
    expect((await loadMasterKey({ dataDir: nested, env: {} })).id).toBe(key.id);
  });
});
