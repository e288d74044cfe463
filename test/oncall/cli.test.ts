/**
 * `tandem oncall` and `tandem probe` as a person types them, against a real server: a schedule
 * from flags, who is on call across the spring change of clocks, an override, a policy and a
 * routing rule from files, a probe file and the matrix.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
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

function tandem(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: dir,
      env: { ...process.env, TANDEM_SERVER: server.url, TANDEM_TOKEN: TEST_TOKEN },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tandem-oncall-cli-'));
  server = await startServerProcess({ port: await freePort(), dataDir: join(dir, 'data') });
  const api = client(server.url);
  for (const username of ['ann', 'bob', 'cat'])
    expect((await api('POST', '/api/v1/users', { username })).status).toBe(201);
});

afterAll(async () => {
  await server.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

it(
  'creates a schedule from flags and says who is on call across a change of clocks',
  { timeout: 60_000 },
  async () => {
    const created = await tandem(
      'oncall',
      'schedule',
      'create',
      'web',
      '--users',
      'ann,bob,cat',
      '--rotation',
      '1d',
      '--start',
      '2024-03-29',
      '--handoff',
      '09:00',
      '--time-zone',
      'Europe/Berlin',
    );
    expect(created.stderr).toBe('');
    expect(created.stdout).toBe('schedule web created\n');
    // 31 March 2024, 08:30 CEST = 06:30 UTC: still bob's day (the handoff is 09:00 local, 07:00 UTC).
    const before = await tandem('oncall', 'schedule', 'now', 'web', '--at', '2024-03-31T06:30:00Z');
    expect(before.stdout).toMatch(/^bob \(layer primary\) is on call for web until /);
    const after = await tandem('--json', 'oncall', 'schedule', 'now', 'web', '--at', '2024-03-31T07:00:00Z');
    expect(JSON.parse(after.stdout)).toMatchObject({
      user: 'cat',
      shift: { start: '2024-03-31T07:00:00.000Z', end: '2024-04-01T07:00:00.000Z' },
    });

    const override = await tandem(
      'oncall',
      'override',
      'add',
      'web',
      '--user',
      'ann',
      '--from',
      '2024-03-31T10:00:00Z',
      '--to',
      '2h',
      '--reason',
      'swap',
    );
    expect(override.code).toBe(0);
    const covered = await tandem(
      '--json',
      'oncall',
      'schedule',
      'now',
      'web',
      '--at',
      '2024-03-31T11:00:00Z',
    );
    expect(JSON.parse(covered.stdout)).toMatchObject({ user: 'ann', layer: null });
    const shown = await tandem(
      'oncall',
      'schedule',
      'show',
      'web',
      '--from',
      '2024-03-31T00:00:00Z',
      '--days',
      '1',
    );
    expect(shown.stdout).toContain('LAYER    USERS        ROTATION');
    expect(shown.stdout).toMatch(/ann\s+override/);

    const unknown = await tandem(
      'oncall',
      'schedule',
      'create',
      'x',
      '--users',
      'zed',
      '--time-zone',
      'Mars/Olympus',
    );
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('time_zone');
  },
);

it('applies a policy, a routing rule and a probe, and shows the matrix', { timeout: 60_000 }, async () => {
  await writeFile(
    join(dir, 'policy.yaml'),
    'name: web\nlevels:\n  - targets: [{ schedule: web }]\n    timeout: 5m\n  - targets: [{ user: bob }]\n    timeout: 15m\nrepeat: 1\n',
  );
  expect((await tandem('oncall', 'policy', 'apply', 'policy.yaml')).stdout).toBe(
    'escalation policy web created\n',
  );
  const rule = await tandem(
    'oncall',
    'route',
    'add',
    'web',
    '--label',
    'service=web',
    '--when',
    'incident.severity == "critical"',
    '--policy',
    'web',
  );
  expect(rule.stdout).toBe('routing rule web saved at position 10\n');
  const bad = await tandem(
    'oncall',
    'route',
    'add',
    'broken',
    '--when',
    'incident.severity ==',
    '--policy',
    'web',
  );
  expect(bad.code).not.toBe(0);
  expect((await tandem('oncall', 'route', 'list')).stdout).toMatch(
    /10\s+web\s+service=web && incident.severity == "critical"\s+-\s+web/,
  );

  await writeFile(
    join(dir, 'probe.yaml'),
    'apiVersion: tandem/v1\nkind: Probe\nmetadata: { name: local-tcp }\nspec:\n  sites: name=local\n  interval: 1s\n  tcp: { host: 127.0.0.1, port: 9 }\n',
  );
  expect((await tandem('probe', 'apply', 'probe.yaml')).stdout).toBe('probe local-tcp created (version 1)\n');
  expect((await tandem('probe', 'apply', 'probe.yaml')).stdout).toBe(
    'probe local-tcp unchanged (version 1)\n',
  );
  // The server's own agent (site local) runs it; nothing listens on port 9.
  const deadline = Date.now() + 20_000;
  let matrix = '';
  while (Date.now() < deadline) {
    matrix = (await tandem('probe', 'matrix')).stdout;
    if (matrix.includes('FAIL')) break;
    await new Promise((r) => setTimeout(r, 300));
  }
  expect(matrix).toMatch(/local-tcp\s+DOWN\s+FAIL/);
  expect(matrix).toContain('local-tcp from local: probe tcp 127.0.0.1:9');
});
