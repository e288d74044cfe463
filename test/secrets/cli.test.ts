import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { PassThrough } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readSecretValue } from '../../src/cli/secret.ts';
import { masterKeyOf, secretValues } from '../../src/secrets/index.ts';
import { createTestStore, type TestStoreHandle } from '../support/stores.ts';
import { ADMIN_TOKEN, secretApp } from './secret-app.ts';

const BIN = fileURLToPath(new URL('../../bin/tandem', import.meta.url));
const key = masterKeyOf(randomBytes(32));
const VALUE = `cli "secret" it's ${randomBytes(8).toString('hex')}`;

let handle: TestStoreHandle;
let app: FastifyInstance;
let url: string;
/** The store is kept for inspection when a test failed. */
let passed = true;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `tandem …` against the test server, with `stdin` piped in (and closed). */
function tandem(args: string[], stdin = ''): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, '--server', url, '--token', ADMIN_TOKEN, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

const stored = async (name: string, site = 'anywhere') =>
  (await secretValues(handle.store.db, key, { site, names: [name] })).get(name);

beforeAll(async () => {
  handle = await createTestStore('sqlite', 'secret cli');
  app = await secretApp(handle.store, key);
  url = await app.listen({ port: 0, host: '127.0.0.1' });
});

afterEach((context) => {
  if (context.task.result?.state !== 'pass') passed = false;
});

afterAll(async () => {
  await app.close();
  await handle.dispose(passed);
});

describe('tandem secret', () => {
  it('sets a value from standard input less one trailing newline, and never prints it', async () => {
    const r = await tandem(['secret', 'set', 'db_password'], `${VALUE}\n\n`);
    expect(r).toMatchObject({ code: 0, stdout: 'secret db_password created for every site\n' });
    expect(await stored('db_password')).toBe(`${VALUE}\n`);
    const again = await tandem(['secret', 'set', 'db_password'], `${VALUE}\r\n`);
    expect(again).toMatchObject({ code: 0, stdout: 'secret db_password replaced for every site\n' });
    expect(await stored('db_password')).toBe(VALUE);
    expect(r.stdout + r.stderr + again.stdout + again.stderr).not.toContain(VALUE);
  });

  it('sets a value for one site and answers JSON with --json', async () => {
    const r = await tandem(['--json', 'secret', 'set', 'api_token', '--site', 'paris'], VALUE);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ name: 'api_token', site: 'paris', created: true });
    expect(await stored('api_token', 'paris')).toBe(VALUE);
    expect(await stored('api_token', 'london')).toBeUndefined();
  });

  it('refuses an empty value with exit 2 and sets nothing', async () => {
    for (const input of ['', '\n']) {
      const r = await tandem(['secret', 'set', 'empty_one'], input);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('error: the secret value is empty');
    }
    expect(await stored('empty_one')).toBeUndefined();
  });

  it('lists secrets without values and deletes them, exit 3 for one that is not set', async () => {
    await tandem(['secret', 'set', 'listed', '--site', 'paris'], VALUE);
    const list = await tandem(['secret', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^NAME +SITE +UPDATED +CREATED BY +KEY$/m);
    expect(list.stdout).toMatch(new RegExp(`^listed +paris +.+ +admin +${key.id}$`, 'm'));
    expect(list.stdout).not.toContain(VALUE);
    const del = await tandem(['secret', 'delete', 'listed', '--site', 'paris']);
    expect(del).toMatchObject({ code: 0, stdout: 'secret listed deleted for site paris\n' });
    const missing = await tandem(['secret', 'delete', 'listed', '--site', 'paris']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('error: secret listed is not set for site paris');
  });

  it('says in its help that one trailing newline is stripped', async () => {
    const r = await tandem(['secret', 'set', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('One trailing newline (\\n or \\r\\n) of piped input is stripped');
  });
});

describe('reading a secret value from a terminal', () => {
  /** A stand-in terminal: what is written to it arrives as typed keys; raw mode is recorded. */
  function terminal() {
    const input = Object.assign(new PassThrough(), { isTTY: true, modes: [] as boolean[] });
    const tty = Object.assign(input, {
      setRawMode(on: boolean) {
        input.modes.push(on);
        return tty;
      },
    });
    return tty;
  }

  it('reads one line without echo, with backspace, and restores the terminal', async () => {
    const tty = terminal();
    const prompts: string[] = [];
    const value = readSecretValue(tty as unknown as NodeJS.ReadStream, (t) => prompts.push(t));
    tty.write('pa');
    tty.write('x\u007fss 🔑\u007f!\rignored');
    expect(await value).toBe('pass !');
    expect(tty.modes).toEqual([true, false]);
    expect(prompts.join('')).not.toContain('pass');
  });

  it('gives up on Ctrl-C and refuses an empty line', async () => {
    const cancelled = terminal();
    const a = readSecretValue(cancelled as unknown as NodeJS.ReadStream, () => undefined);
    cancelled.write('abc\u0003');
    await expect(a).rejects.toThrow('cancelled: no secret set');
    expect(cancelled.modes).toEqual([true, false]);
    const empty = terminal();
    const b = readSecretValue(empty as unknown as NodeJS.ReadStream, () => undefined);
    empty.write('\r');
    await expect(b).rejects.toThrow('the secret value is empty');
  });
});
