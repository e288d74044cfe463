import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../bin/tandem', import.meta.url));

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node bin/tandem …` from a folder outside the repository, as a user would. */
function tandem(args: string[], cwd: string): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: { ...process.env, TANDEM_SERVER: 'http://127.0.0.1:9' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const INVALID = `apiVersion: tandem/v1
kind: Runbook
metadata:
  name: Not A Name
spec:
  steps:
    - id: hello
      shell: echo hi
`;

const VALID = `apiVersion: tandem/v1
kind: Runbook
metadata:
  name: fine
spec:
  steps:
    - id: hello
      shell: echo hi
`;

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tandem-cli-'));
  await writeFile(join(dir, 'invalid.yaml'), INVALID);
  await writeFile(join(dir, 'valid.yaml'), VALID);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the tandem command', () => {
  it('reports an invalid runbook as file:line:col and exits 2', async () => {
    const r = await tandem(['runbook', 'validate', 'valid.yaml', 'invalid.yaml'], dir);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('valid.yaml: ok (fine)');
    expect(r.stdout).toMatch(/^invalid\.yaml:4:9: metadata\.name: .+$/m);
    expect(r.stderr).toContain('error: 1 of 2 runbook files are invalid');
  });

  it('exits 0 when every runbook is valid', async () => {
    const r = await tandem(['runbook', 'validate', 'valid.yaml'], dir);
    expect(r.code).toBe(0);
  });

  it('prints its help and exits 0', async () => {
    const r = await tandem(['--help'], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: tandem');
    for (const command of ['server', 'runbook', 'run', 'approve', 'reject', 'inbox'])
      expect(r.stdout).toContain(command);
  });

  it('exits 2 on an unknown command or a bad flag value', async () => {
    expect((await tandem(['bogus'], dir)).code).toBe(2);
    expect((await tandem(['run', 'list', '--limit', 'zero'], dir)).code).toBe(2);
  });

  it('exits 6 when the server cannot be reached', async () => {
    const r = await tandem(['run', 'list'], dir);
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/^error: cannot reach the Tandem server at http:\/\/127\.0\.0\.1:9/);
  });
});
