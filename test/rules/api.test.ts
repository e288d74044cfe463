/**
 * Rules, schedules and change freezes through a real `tandem server` and the `tandem` CLI:
 * applied with line/column errors, listed, shown, removed, and audited.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BIN,
  client,
  freePort,
  startServerProcess,
  TEST_TOKEN,
  type ServerProcess,
} from '../support/server-process.ts';

let dir: string;
let server: ServerProcess;
let api: ReturnType<typeof client>;

function tandem(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, '--server', server.url, '--token', TEST_TOKEN, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const RULE = `apiVersion: tandem/v1
kind: Rule
metadata:
  name: restart-web
spec:
  match: event.status == "firing" && event.labels.alertname == "WebDown"
  runbook: hello
  inputs:
    name: \${{ event.labels.instance }}
  cooldown: 10m
  rate_limit: { count: 5, per: 1h }
`;

const SCHEDULE = `apiVersion: tandem/v1
kind: Schedule
metadata:
  name: morning-hello
spec:
  cron: "0 9 * * 1-5"
  timezone: Asia/Shanghai
  runbook: hello
  missed: catch_up_once
`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tandem-rules-api-'));
  server = await startServerProcess({ port: await freePort(), dataDir: join(dir, 'data') });
  api = client(server.url);
  await writeFile(join(dir, 'rule.yaml'), RULE);
  await writeFile(
    join(dir, 'bad-rule.yaml'),
    RULE.replace('event.status == "firing"', 'evnt.status == "firing"'),
  );
  await writeFile(join(dir, 'schedule.yaml'), SCHEDULE);
});

afterAll(async () => {
  await server.kill('SIGTERM');
  await rm(dir, { recursive: true, force: true });
});

describe('rules over the API and the CLI', () => {
  it('apply from a file, once; the same file again changes nothing', async () => {
    const first = await tandem(['rule', 'apply', join(dir, 'rule.yaml')]);
    expect(first).toMatchObject({ code: 0, stdout: 'applied rule restart-web version 1\n' });
    const again = await tandem(['rule', 'apply', join(dir, 'rule.yaml')]);
    expect(again.stdout).toBe('unchanged rule restart-web version 1\n');
    const audit = await api('GET', '/api/v1/audit?action=rule.applied');
    expect(audit.body.entries).toEqual([
      expect.objectContaining({ actor: expect.any(String), target: 'rule:restart-web' }),
    ]);
  });

  it('refuse a broken rule with the file, line and column of each problem', async () => {
    const res = await tandem(['rule', 'apply', join(dir, 'bad-rule.yaml')]);
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain(`${join(dir, 'bad-rule.yaml')}:6:10: spec.match: unknown variable "evnt"`);
    const direct = await api('POST', '/api/v1/rules', 'kind: Rule\n', 'application/yaml');
    expect(direct.status).toBe(400);
    expect(direct.body.error.code).toBe('invalid_input');
  });

  it('list, show and read the (empty) firings of a rule', async () => {
    const list = await tandem(['rule', 'list']);
    expect(list.stdout).toMatch(/restart-web\s+1\s+live\s+hello/);
    const show = await api('GET', '/api/v1/rules/restart-web');
    expect(show.body).toMatchObject({ name: 'restart-web', runbook: 'hello', enabled: true, dry_run: false });
    expect(show.body.source).toBe(RULE);
    const firings = await api('GET', '/api/v1/rules/restart-web/firings');
    expect(firings).toEqual({ status: 200, body: { firings: [] } });
    expect((await api('GET', '/api/v1/rules/nope')).status).toBe(404);
  });

  it('warn when the runbook does not exist yet', async () => {
    const res = await api(
      'POST',
      '/api/v1/rules',
      RULE.replace('restart-web', 'later').replace('runbook: hello', 'runbook: later'),
      'application/yaml',
    );
    expect(res.status).toBe(201);
    expect(res.body.warnings).toEqual([expect.stringContaining('runbook later does not exist')]);
  });

  it('remove a rule, audited', async () => {
    expect((await tandem(['rule', 'rm', 'later'])).stdout).toBe('deleted rule later\n');
    expect((await api('DELETE', '/api/v1/rules/later')).status).toBe(404);
    const audit = await api('GET', '/api/v1/audit?action=rule.deleted');
    expect(audit.body.entries).toEqual([expect.objectContaining({ target: 'rule:later' })]);
  });
});

describe('change freezes', () => {
  it('turn on and off, with the state shown by list', async () => {
    expect((await tandem(['freeze', 'list'])).stdout).toContain('no freeze in effect now');
    const on = await tandem(['freeze', 'on', '--reason', 'year-end close']);
    expect(on.stdout).toMatch(/^change freeze on \(/);
    const list = await tandem(['--json', 'freeze', 'list']);
    expect(JSON.parse(list.stdout)).toMatchObject({
      active: true,
      freezes: [{ reason: 'year-end close', active: true }],
    });
    expect((await tandem(['freeze', 'off'])).stdout).toBe('lifted 1 freeze(s)\n');
    expect((await api('GET', '/api/v1/freezes')).body).toEqual({ active: false, freezes: [] });
  });

  it('can be planned as a window, which is not in effect yet', async () => {
    const res = await api('POST', '/api/v1/freezes', { starts_at: '1h', ends_at: '3h', reason: 'release' });
    expect(res.status).toBe(201);
    expect(res.body.active).toBe(false);
    expect((await api('GET', '/api/v1/freezes')).body.active).toBe(false);
    const bad = await api('POST', '/api/v1/freezes', { starts_at: '3h', ends_at: '1h' });
    expect(bad.status).toBe(400);
    expect((await api('DELETE', `/api/v1/freezes/${res.body.id as string}`)).status).toBe(200);
  });
});

describe('schedules over the API and the CLI', () => {
  it('apply, and list with the next fire times in their time zone', async () => {
    const applied = await tandem(['schedule', 'apply', join(dir, 'schedule.yaml')]);
    expect(applied.stdout).toMatch(/^applied schedule morning-hello version 1; next fire /);
    const list = await api('GET', '/api/v1/schedules?next=3');
    const [s] = list.body.schedules;
    expect(s).toMatchObject({
      name: 'morning-hello',
      cron: '0 9 * * 1-5',
      timezone: 'Asia/Shanghai',
      enabled: true,
    });
    expect(s.next_fires).toHaveLength(3);
    for (const t of s.next_fires as string[]) {
      // 09:00 in Shanghai is 01:00 UTC, on a weekday there.
      expect(t).toMatch(/T01:00:00\.000Z$/);
      expect(new Date(t).getTime()).toBeGreaterThan(Date.now());
    }
    const cli = await tandem(['schedule', 'list']);
    expect(cli.stdout).toMatch(/morning-hello\s+enabled\s+0 9 \* \* 1-5\s+Asia\/Shanghai\s+hello/);
  });

  it('refuse a bad cron with its line', async () => {
    const res = await api(
      'POST',
      '/api/v1/schedules',
      SCHEDULE.replace('0 9 * * 1-5', '0 25 * * *'),
      'application/yaml',
    );
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([expect.objectContaining({ path: 'spec.cron', line: 6 })]);
  });

  it('show and remove a schedule', async () => {
    const show = await api('GET', '/api/v1/schedules/morning-hello');
    expect(show.body).toMatchObject({ missed: 'catch_up_once', fires: [], source: SCHEDULE });
    expect(show.body.next_fires).toHaveLength(5);
    expect((await tandem(['schedule', 'rm', 'morning-hello'])).stdout).toBe(
      'deleted schedule morning-hello\n',
    );
    expect((await api('GET', '/api/v1/schedules')).body.schedules).toEqual([]);
  });
});
