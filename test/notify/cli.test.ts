import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseLabels } from '../../src/cli/notify.ts';
import { findChannelRow, openChannel } from '../../src/notify/index.ts';
import { masterKeyOf } from '../../src/secrets/index.ts';
import { createTestStore, type TestStoreHandle } from '../support/stores.ts';
import { ADMIN_TOKEN, notifyApp } from './notify-app.ts';
import { startReceiver, type Receiver } from './receiver.ts';

const BIN = fileURLToPath(new URL('../../bin/tandem', import.meta.url));
const key = masterKeyOf(randomBytes(32));
const SECRET = `ding-${randomBytes(6).toString('hex')}`;

let handle: TestStoreHandle;
let app: FastifyInstance;
let url: string;
let receiver: Receiver;
let passed = true;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

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

beforeAll(async () => {
  handle = await createTestStore('sqlite', 'notify cli');
  app = await notifyApp(handle.store, key);
  url = await app.listen({ port: 0, host: '127.0.0.1' });
  receiver = await startReceiver();
});
afterEach((context) => {
  if (context.task.result?.state !== 'pass') passed = false;
});
afterAll(async () => {
  await app.close();
  await receiver.close();
  await handle.dispose(passed);
});

describe('tandem notify', () => {
  it('adds a signed channel with the secret from standard input, lists it masked, tests and removes it', async () => {
    const hook = `${receiver.origin}/robot/send?access_token=tok123`;
    const add = await tandem(
      [
        'notify',
        'channel',
        'add',
        'dba-ding',
        '--kind',
        'dingtalk',
        '--url',
        hook,
        '--events',
        'task.created,run.failed',
        '--label',
        'team=dba',
        '--secret-stdin',
      ],
      `${SECRET}\n`,
    );
    expect(add).toMatchObject({
      code: 0,
      stdout: `channel dba-ding created: dingtalk to ${receiver.origin}/… on task.created, run.failed\n`,
    });
    const row = await findChannelRow(handle.store.db, 'dba-ding');
    expect(openChannel(row!, key)).toEqual({ kind: 'dingtalk', config: { url: hook, secret: SECRET } });

    const list = await tandem(['notify', 'channel', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain('dba-ding');
    expect(list.stdout).toContain('team=dba');
    expect(list.stdout).not.toContain('tok123');

    receiver.answer = () => ({ status: 200, body: '{"errcode":0,"errmsg":"ok"}' });
    const test = await tandem(['notify', 'channel', 'test', 'dba-ding']);
    expect(test.code).toBe(0);
    expect(test.stdout).toMatch(/^test message sent through dba-ding \(\d+ ms\)\n$/);
    expect(new URL(receiver.received[0]!.url, receiver.origin).searchParams.get('sign')).toBeTruthy();

    receiver.answer = () => ({ status: 200, body: '{"errcode":310000,"errmsg":"sign not match"}' });
    const failing = await tandem(['notify', 'channel', 'test', 'dba-ding']);
    expect(failing.code).toBe(1);
    expect(failing.stderr).toContain(
      'the test message through dba-ding failed: dingtalk refused the message: errcode 310000',
    );

    expect((await tandem(['notify', 'channel', 'disable', 'dba-ding'])).stdout).toBe(
      'channel dba-ding disabled\n',
    );
    expect((await tandem(['notify', 'channel', 'rm', 'dba-ding'])).stdout).toBe('channel dba-ding removed\n');
    expect((await tandem(['notify', 'channel', 'rm', 'dba-ding'])).code).toBe(3);
    expect((await tandem(['notify', 'channel', 'list'])).stdout).toBe('no notification channels\n');
    expect(add.stdout + add.stderr + list.stdout + test.stdout).not.toContain(SECRET);
  });

  it('adds an email channel and shows the outbox', async () => {
    const add = await tandem(
      [
        '--json',
        'notify',
        'channel',
        'add',
        'mail',
        '--kind',
        'email',
        '--host',
        'smtp.example.com',
        '--port',
        '2525',
        '--user',
        'tandem',
        '--from',
        'tandem@example.com',
        '--to',
        'a@example.com,b@example.com',
        '--events',
        'run.failed',
        '--secret-stdin',
      ],
      'smtp-pw',
    );
    expect(add.code).toBe(0);
    expect(JSON.parse(add.stdout)).toMatchObject({
      name: 'mail',
      kind: 'email',
      target: 'smtp://smtp.example.com:2525 (2 recipients)',
    });
    const row = await findChannelRow(handle.store.db, 'mail');
    expect(openChannel(row!, key).config).toMatchObject({
      user: 'tandem',
      password: 'smtp-pw',
      port: 2525,
      secure: false,
    });
    const none = await tandem(['notify', 'deliveries', '--status', 'failed']);
    expect(none).toMatchObject({ code: 0, stdout: 'no deliveries\n' });
    const bad = await tandem(['notify', 'channel', 'add', 'x', '--kind', 'slack', '--events', 'run.failed']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('a slack channel needs --url');
  });

  it('reads label flags as key=value', () => {
    expect(parseLabels(['team=dba', 'tier=a=b'])).toEqual({ team: 'dba', tier: 'a=b' });
    expect(parseLabels(undefined)).toBeUndefined();
    expect(() => parseLabels(['nokey'])).toThrow(/key=value/);
  });
});
