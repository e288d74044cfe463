/**
 * The audit trail through a real server and the CLI: changes are recorded with actor and
 * address, a secret's value never appears, and a row altered in the database makes
 * `tandem audit verify` fail naming it.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
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
let api: ReturnType<typeof client>;
const SECRET = `value-${Math.random().toString(36).slice(2)}`;

function tandem(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, '--server', server.url, '--token', TEST_TOKEN, ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const RUNBOOK = `apiVersion: tandem/v1
kind: Runbook
metadata: { name: audited }
spec:
  steps:
    - id: hello
      log: hi
`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tandem-audit-'));
  server = await startServerProcess({ port: await freePort(), dataDir: dir });
  api = client(server.url);
});

afterAll(async () => {
  await server.kill();
  await rm(dir, { recursive: true, force: true });
});

it('records changes, verifies, exports, and names the first entry altered in the database', async () => {
  expect((await api('POST', '/api/v1/runbooks', RUNBOOK, 'application/yaml')).status).toBe(201);
  // Applying the same text again changes nothing and records nothing.
  expect((await api('POST', '/api/v1/runbooks', RUNBOOK, 'application/yaml')).status).toBe(200);
  const run = await api('POST', '/api/v1/runs', { runbook: 'audited' });
  expect(run.status).toBe(201);
  expect((await api('PUT', '/api/v1/secrets/db_password', { value: SECRET })).status).toBe(201);

  const listed = await api('GET', '/api/v1/audit?limit=100');
  expect(listed.status).toBe(200);
  const actions = (listed.body.entries as { action: string; actor: string; source_address: string }[]).map(
    (e) => e.action,
  );
  expect(actions).toEqual(['runbook.applied', 'run.started', 'secret.set']);
  for (const e of listed.body.entries as { actor: string; source_address: string }[]) {
    expect(e.actor).toBe('admin');
    expect(e.source_address).toBe('127.0.0.1');
  }
  expect(listed.body.entries[1].target).toBe(`run:${run.body.id as string}`);

  const ok = await tandem(['audit', 'verify']);
  expect(ok.stderr).toBe('');
  expect(ok.code).toBe(0);
  expect(ok.stdout).toMatch(/intact: 3 entries/);

  const file = join(dir, 'audit.jsonl');
  expect((await tandem(['audit', 'export', '-o', file])).code).toBe(0);
  const text = await readFile(file, 'utf8');
  const lines = text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { action: string; hash: string });
  expect(lines.map((l) => l.action)).toEqual(actions);
  expect(text).not.toContain(SECRET);

  const db = new Database(join(dir, 'tandem.db'));
  try {
    const second = db.prepare('select id from audit_log order by id limit 1 offset 1').get() as {
      id: number;
    };
    db.prepare(`update audit_log set actor = 'someone-else' where id = ?`).run(second.id);
    const broken = await tandem(['audit', 'verify']);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain(`broken at entry ${second.id}: its contents do not match its hash`);
  } finally {
    db.close();
  }
});

it('is for admins only', async () => {
  const res = await fetch(`${server.url}/api/v1/audit`);
  expect(res.status).toBe(401);
});
