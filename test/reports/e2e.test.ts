/**
 * Reports, knowledge base and SLOs end to end: a real `tandem server` process and the `tandem`
 * CLI. A drill-like run with a secret input, an approval and a Chinese log line finishes; its
 * report (markdown and JSON) shows RTO/RPO and the decision without the secret; the indexer makes
 * it searchable (Chinese included) and related to its database; an availability SLO over a probe
 * of a local HTTP server that turns bad shows its budget burning, in the API and `tandem report slo`.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createPerson } from '../support/people.ts';
import {
  BIN,
  client,
  freePort,
  startServerProcess,
  TEST_TOKEN,
  type ServerProcess,
} from '../support/server-process.ts';

const SECRET = 'e2e-secret-value-42';

const RUNBOOK = `apiVersion: tandem/v1
kind: Runbook
metadata:
  name: mini-drill
  title: 小型演练 mini drill
spec:
  inputs:
    primary: { type: string, default: pg-sh-1 }
    token: { type: string, secret: true }
  outputs:
    rto_ms: \${{ steps.measure.outputs.rto_ms }}
    rpo_transactions: \${{ steps.measure.outputs.rpo_transactions }}
  steps:
    - id: measure
      env: { TOKEN: '\${{ inputs.token }}' }
      script:
        interpreter: /bin/bash
        body: |
          echo "主库切换完成，using $TOKEN"
          echo "rto_ms=2500" >> "$TANDEM_OUTPUTS"
          echo "rpo_transactions=0" >> "$TANDEM_OUTPUTS"
    - id: approve
      needs: [measure]
      approval: { message: 'Fail back?' }
`;

const ESTATE = `apiVersion: tandem/v1
kind: Estate
metadata: { source: e2e }
spec:
  resources:
    - { kind: database, name: pg-sh-1, site: idc-shanghai }
    - { kind: host, name: pg-sh-1, site: idc-shanghai }
`;

const SLO = `apiVersion: tandem/v1
kind: SLO
metadata: { name: web-availability, title: The web answers }
spec:
  service: web
  objective: 99.5
  window: 1h
  availability: {}
`;

let dir: string;
let server: ServerProcess;
let api: ReturnType<typeof client>;
let web: Server;
let webOk = true;

function tandem(
  args: string[],
  token = TEST_TOKEN,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, '--server', server.url, '--token', token, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function ok(method: string, path: string, body?: unknown, type?: string) {
  const res = await api(method, path, body, type);
  expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
  return res.body as Record<string, unknown>;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tandem-reports-e2e-'));
  web = createServer((_req, res) => res.writeHead(webOk ? 200 : 503).end(webOk ? 'ok' : 'down'));
  await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
  server = await startServerProcess({ port: await freePort(), dataDir: join(dir, 'data') });
  api = client(server.url);
}, 60_000);

afterAll(async () => {
  await server?.kill('SIGKILL');
  await new Promise<void>((resolve) => (web ? web.close(() => resolve()) : resolve()));
  await rm(dir, { recursive: true, force: true });
});

it(
  'a finished run has a report without its secret, is found by search in Chinese, and is related to its database',
  { timeout: 90_000 },
  async () => {
    await ok('POST', '/api/v1/estate/apply', ESTATE, 'application/yaml');
    await ok('POST', '/api/v1/runbooks', RUNBOOK, 'application/yaml');
    const { id } = (await ok('POST', '/api/v1/runs', {
      runbook: 'mini-drill',
      inputs: { token: SECRET },
    })) as { id: string };
    const taskId = await until('the approval', async () => {
      const run = (await ok('GET', `/api/v1/runs/${id}`)) as {
        steps: { id: string; task: { id: string } | null }[];
      };
      return run.steps.find((s) => s.id === 'approve')?.task?.id;
    });
    await ok('POST', `/api/v1/tasks/${taskId}/decisions`, {
      decision: 'approve',
      comment: '数据一致，同意回切',
    });
    await until('the run to finish', async () => {
      const run = (await ok('GET', `/api/v1/runs/${id}`)) as { status: string };
      return run.status === 'succeeded' ? true : undefined;
    });

    const md = await fetch(`${server.url}/api/v1/runs/${id}/report?format=md`, {
      headers: { authorization: `Bearer ${TEST_TOKEN}` },
    });
    expect(md.headers.get('content-type')).toMatch(/^text\/markdown/);
    const text = await md.text();
    expect(text).toContain('# Run report: 小型演练 mini drill');
    expect(text).toContain('- RTO: 2.50 s (2500 ms)');
    expect(text).toContain('**admin** approved `approve` (Fail back?) — “数据一致，同意回切”');
    expect(text).toContain('主库切换完成，using ***');
    expect(text).not.toContain(SECRET);
    const json = await ok('GET', `/api/v1/runs/${id}/report`);
    expect(json).toMatchObject({
      format: 'tandem.run-report/v1',
      run: { id, runbook: 'mini-drill', status: 'succeeded', started_by: 'admin' },
      inputs: { primary: 'pg-sh-1', token: '***' },
      measurements: { rto_ms: 2500, rpo_transactions: 0 },
      resources: ['database/pg-sh-1', 'host/pg-sh-1'],
    });
    expect(JSON.stringify(json)).not.toContain(SECRET);
    expect((await api('GET', '/api/v1/runs/nope/report')).status).toBe(404);

    // The indexer picks the finished run up within a poll or two.
    const found = await until('the run to be searchable', async () => {
      const r = (await ok('GET', `/api/v1/kb/search?q=${encodeURIComponent('主库切换')}`)) as {
        results: { id: string; snippet: string; highlights: [number, number][] }[];
      };
      return r.results.length > 0 ? r : undefined;
    });
    expect(found.results[0]!.id).toBe(id);
    const hit = found.results[0]!;
    expect(hit.highlights.map(([a, b]) => hit.snippet.slice(a, b))).toContain('主库切换');
    expect((await ok('GET', `/api/v1/kb/search?q=${SECRET}`)).results).toEqual([]);
    expect((await ok('GET', '/api/v1/kb/search?q=mini&kind=incident')).results).toEqual([]);

    const related = (await ok('GET', '/api/v1/kb/related?resource=database/pg-sh-1')) as {
      related: { kind: string; id: string; resources: string[] }[];
    };
    expect(related.related).toEqual([
      expect.objectContaining({ kind: 'run', id, resources: ['database/pg-sh-1'] }),
    ]);
    expect((await ok('GET', `/api/v1/kb/related?run=${id}`)).related).toEqual([]);

    for (const bad of [
      '/api/v1/kb/search',
      '/api/v1/kb/search?q=',
      '/api/v1/kb/search?q=x&kind=alert',
      '/api/v1/kb/related',
      '/api/v1/kb/related?resource=pg-sh-1',
      `/api/v1/kb/related?resource=database/pg-sh-1&run=${id}`,
      '/api/v1/runs/x/report?format=pdf',
    ])
      expect((await api('GET', bad)).status, bad).toBe(400);

    // The CLI.
    const report = await tandem(['run', 'report', id]);
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).toContain('## Decisions');
    const reportJson = await tandem(['--json', 'run', 'report', id]);
    expect(JSON.parse(reportJson.stdout)).toMatchObject({ run: { id } });
    const search = await tandem(['kb', 'search', '主库切换完成']);
    expect(search.code, search.stderr).toBe(0);
    expect(search.stdout).toContain(`run ${id}`);
    expect(search.stdout).toContain('[主库切换完成]');
    const rel = await tandem(['kb', 'related', 'database/pg-sh-1']);
    expect(rel.stdout).toContain(`run ${id}`);
  },
);

it(
  'an availability SLO over a probe shows its budget burning; applied and deleted with audit; reported per month and site',
  { timeout: 90_000 },
  async () => {
    const port = (web.address() as { port: number }).port;
    await ok(
      'POST',
      '/api/v1/probes',
      `apiVersion: tandem/v1\nkind: Probe\nmetadata: { name: web-http }\nspec:\n  service: web\n  interval: 1s\n  timeout: 1s\n  http: { url: 'http://127.0.0.1:${port}/' }\n`,
      'application/yaml',
    );
    const file = join(dir, 'slo.yaml');
    await writeFile(file, SLO);
    const applied = await tandem(['slo', 'apply', file]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('applied SLO web-availability version 1');
    expect((await tandem(['slo', 'apply', file])).stdout).toContain(
      'unchanged SLO web-availability version 1',
    );
    const audit = (await ok('GET', '/api/v1/audit?action=slo.applied')) as {
      entries?: unknown[];
      audit?: unknown[];
    };
    expect(JSON.stringify(audit)).toContain('slo:web-availability');

    type Status = {
      slos: {
        name: string;
        indicators: { state: string; window?: { good: number; total: number; sli_percent: number } }[];
      }[];
    };
    await until('good probe results', async () => {
      const s = (await ok('GET', '/api/v1/slos')) as Status;
      return (s.slos[0]?.indicators[0]?.window?.good ?? 0) >= 3 ? true : undefined;
    });
    webOk = false;
    const burning = await until('failing probe results', async () => {
      const s = (await ok('GET', '/api/v1/slos')) as Status;
      const w = s.slos[0]!.indicators[0]!.window!;
      return w.total - w.good >= 2 ? s : undefined;
    });
    const ind = burning.slos[0]!.indicators[0]!;
    expect(ind.window!.sli_percent).toBeGreaterThan(0);
    expect(ind.window!.sli_percent).toBeLessThan(100);
    // Well past 0.5 % bad in the window: the objective is missed.
    expect(ind.state).toBe('exhausted');

    const list = await tandem(['slo', 'list']);
    expect(list.stdout).toMatch(/web-availability\s+web\s+availability\s+99\.5%\s+1h\s+exhausted/);
    const month = await tandem(['report', 'slo']);
    expect(month.code, month.stderr).toBe(0);
    expect(month.stdout).toMatch(/web-availability\s+availability\s+all\s+[\d.]+%\s+99\.5%\s+MISSED/);
    expect(month.stdout).toMatch(/web-availability\s+availability\s+local\s+/);
    const local = await tandem(['--json', 'report', 'slo', '--site', 'local', '--slo', 'web-availability']);
    expect(JSON.parse(local.stdout)).toMatchObject({ slos: [{ name: 'web-availability', site: 'local' }] });
    expect((await tandem(['report', 'slo', '--month', '2026-13'])).code).toBe(2);

    // Reading is for every role; changing SLOs is for admins.
    const viewer = await createPerson(api, {
      username: 'vera',
      teams: [{ name: 'viewers', roles: ['viewer'] }],
    });
    const operator = await createPerson(api, {
      username: 'otto',
      teams: [{ name: 'operators', roles: ['operator'] }],
    });
    expect((await client(server.url, viewer.token)('GET', '/api/v1/slos?evaluate=false')).status).toBe(200);
    expect((await client(server.url, viewer.token)('GET', '/api/v1/kb/search?q=mini')).status).toBe(200);
    expect(
      (await client(server.url, operator.token)('POST', '/api/v1/slos', SLO, 'application/yaml')).status,
    ).toBe(403);

    const removed = await tandem(['slo', 'rm', 'web-availability']);
    expect(removed.stdout).toContain('deleted SLO web-availability');
    expect(JSON.stringify(await ok('GET', '/api/v1/audit?action=slo.deleted'))).toContain(
      'slo:web-availability',
    );
    expect((await api('GET', '/api/v1/slos/web-availability')).status).toBe(404);
  },
);
