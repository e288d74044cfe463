/**
 * From a firing alert to a remediation run and back, with real components: Prometheus scrapes a
 * small HTTP server this test runs, and when the test stops it, `up == 0` fires; Alertmanager
 * posts to Tandem; an incident opens on the estate resource; a rule starts a runbook whose `http`
 * step asks the test's control endpoint to start the server again; the alert resolves and the
 * incident resolves by itself. Everything is asserted through Tandem's API.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { client, freePort, startServerProcess, type ServerProcess } from '../support/server-process.ts';

const PROMETHEUS = '/usr/bin/prometheus';
const ALERTMANAGER = '/usr/bin/prometheus-alertmanager';
const SOURCE_TOKEN = 'alertmanager-e2e-token-0123456789';

let dir: string;
let tandem: ServerProcess;
let api: ReturnType<typeof client>;
let target: Server | undefined;
let control: Server;
const ports = { target: 0, control: 0, prometheus: 0, alertmanager: 0 };
const children: { name: string; child: ChildProcess; output: () => string }[] = [];
let restarts = 0;

/** The monitored service: a metrics page, nothing more. */
function startTarget(): Promise<void> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end('demo_requests_total 1\n');
  });
  target = server;
  return new Promise((resolve) => server.listen(ports.target, '127.0.0.1', resolve));
}

/** Stop it for real: no new connections, and the scraper's kept-alive one closed too. */
function stopTarget(): Promise<void> {
  const server = target!;
  target = undefined;
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function startProcess(name: string, bin: string, args: string[]): void {
  let out = '';
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  children.push({ name, child, output: () => out.slice(-4000) });
}

async function waitUntil<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      const logs = children.map((c) => `--- ${c.name}\n${c.output()}`).join('\n');
      throw new Error(`timed out waiting for ${what}\n${logs}\n--- tandem\n${tandem.output().slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

const getJson = async (url: string): Promise<unknown> => (await fetch(url)).json();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tandem-alert-e2e-'));
  for (const k of Object.keys(ports) as (keyof typeof ports)[]) ports[k] = await freePort();
  await startTarget();
  // The "restart" the remediation runbook performs: start the server again.
  control = createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/restart') {
      res.writeHead(404).end();
      return;
    }
    restarts++;
    const ready = target ? Promise.resolve() : startTarget();
    void ready.then(() =>
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"restarted":true}'),
    );
  });
  await new Promise<void>((resolve) => control.listen(ports.control, '127.0.0.1', resolve));

  tandem = await startServerProcess({ port: await freePort(), dataDir: join(dir, 'tandem') });
  api = client(tandem.url);
  const yaml = (path: string, body: string) => api('POST', path, body, 'application/yaml');

  const estate = await yaml(
    '/api/v1/estate/apply',
    `apiVersion: tandem/v1
kind: Estate
metadata: { source: e2e }
spec:
  resources:
    - kind: service
      name: demo
      site: local
      labels: { env: staging }
      properties: { control_url: "http://127.0.0.1:${ports.control}/restart" }
`,
  );
  expect(estate.status).toBe(200);
  const source = await api('POST', '/api/v1/events/sources', {
    name: 'prometheus',
    kind: 'alertmanager',
    token: SOURCE_TOKEN,
  });
  expect(source.status).toBe(201);
  const runbook = await yaml(
    '/api/v1/runbooks',
    `apiVersion: tandem/v1
kind: Runbook
metadata: { name: restart-demo }
spec:
  inputs:
    control_url: { type: string, required: true }
  steps:
    - id: restart
      http: { method: POST, url: '\${{ inputs.control_url }}', expect_status: 200 }
`,
  );
  expect(runbook.status).toBe(201);
  const rule = await yaml(
    '/api/v1/rules',
    `apiVersion: tandem/v1
kind: Rule
metadata: { name: restart-demo-on-down }
spec:
  match: event.status == "firing" && event.labels.alertname == "DemoDown" && resource != null
  runbook: restart-demo
  inputs:
    control_url: \${{ resource.properties.control_url }}
  cooldown: 1m
`,
  );
  expect(rule.status).toBe(201);

  await writeFile(
    join(dir, 'alertmanager.yml'),
    `route:
  receiver: tandem
  group_by: [alertname, job]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: tandem
    webhook_configs:
      - url: ${tandem.url}/api/v1/events/alertmanager/prometheus
        send_resolved: true
        http_config:
          authorization: { type: Bearer, credentials: ${SOURCE_TOKEN} }
`,
  );
  startProcess('alertmanager', ALERTMANAGER, [
    `--config.file=${join(dir, 'alertmanager.yml')}`,
    `--storage.path=${join(dir, 'alertmanager-data')}`,
    `--web.listen-address=127.0.0.1:${ports.alertmanager}`,
    '--cluster.listen-address=',
  ]);
  await writeFile(
    join(dir, 'rules.yml'),
    `groups:
  - name: demo
    interval: 1s
    rules:
      - alert: DemoDown
        expr: up{job="demo"} == 0
        for: 0s
        labels: { severity: critical }
        annotations: { summary: 'demo at {{ $labels.instance }} is down' }
`,
  );
  await writeFile(
    join(dir, 'prometheus.yml'),
    `global: { scrape_interval: 1s, scrape_timeout: 500ms, evaluation_interval: 1s }
rule_files: ['${join(dir, 'rules.yml')}']
alerting:
  alertmanagers:
    - static_configs: [{ targets: ['127.0.0.1:${ports.alertmanager}'] }]
scrape_configs:
  - job_name: demo
    static_configs: [{ targets: ['127.0.0.1:${ports.target}'] }]
`,
  );
  startProcess('prometheus', PROMETHEUS, [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'prometheus-data')}`,
    `--web.listen-address=127.0.0.1:${ports.prometheus}`,
    '--rules.alert.resend-delay=1s',
  ]);
  await waitUntil('Alertmanager to be ready', async () =>
    (await fetch(`http://127.0.0.1:${ports.alertmanager}/-/ready`)).ok ? true : undefined,
  );
  await waitUntil('Prometheus to scrape the demo target', async () => {
    const t = (await getJson(`http://127.0.0.1:${ports.prometheus}/api/v1/targets`)) as {
      data: { activeTargets: { health: string }[] };
    };
    return t.data.activeTargets[0]?.health === 'up' ? true : undefined;
  });
}, 60_000);

afterAll(async () => {
  for (const c of children) c.child.kill('SIGTERM');
  for (const c of children)
    if (c.child.exitCode === null && c.child.signalCode === null)
      await new Promise((r) => c.child.once('exit', r));
  await tandem?.kill('SIGTERM');
  if (target) await stopTarget();
  await new Promise((r) => control.close(r));
  await rm(dir, { recursive: true, force: true });
});

interface Incident {
  id: string;
  status: string;
  resource: string | null;
}

it('a target going down opens an incident, a rule restarts it, and the incident resolves by itself', async () => {
  const started = Date.now();
  await stopTarget();

  const incident = await waitUntil('an incident on service/demo', async () => {
    const res = await api('GET', '/api/v1/incidents?status=open&resource=service/demo');
    return (res.body.incidents as Incident[])[0];
  });
  expect(incident).toMatchObject({ resource: 'service/demo', status: 'triggered' });

  const firing = await waitUntil('the rule to start a run', async () => {
    const res = await api('GET', '/api/v1/rules/restart-demo-on-down/firings?decision=started');
    return (res.body.firings as { run_id: string; incident_id: string; approval: boolean }[])[0];
  });
  expect(firing).toMatchObject({ incident_id: incident.id, approval: false });

  const run = await waitUntil('the remediation run to finish', async () => {
    const res = await api('GET', `/api/v1/runs/${firing.run_id}`);
    return ['succeeded', 'failed', 'cancelled'].includes(res.body.status as string) ? res.body : undefined;
  });
  expect(run).toMatchObject({ runbook: 'restart-demo', status: 'succeeded' });
  expect(restarts).toBe(1);

  const resolved = await waitUntil('the incident to resolve by itself', async () => {
    const res = await api('GET', `/api/v1/incidents/${incident.id}`);
    return res.body.status === 'resolved' ? res.body : undefined;
  });
  const timeline = (resolved.timeline as { type: string; run_id: string | null }[]).map((e) => e.type);
  expect(timeline).toEqual(expect.arrayContaining(['incident.triggered', 'run.linked', 'rule.run_finished']));
  expect(timeline.indexOf('run.linked')).toBeLessThan(timeline.indexOf('rule.run_finished'));
  expect(resolved.runs).toEqual([
    expect.objectContaining({ run_id: firing.run_id, rule: 'restart-demo-on-down' }),
  ]);

  // One alert episode, one run: repeats and the resolution started nothing more.
  const all = await api('GET', '/api/v1/rules/restart-demo-on-down/firings');
  expect((all.body.firings as { decision: string }[]).filter((f) => f.decision === 'started')).toHaveLength(
    1,
  );
  expect(Date.now() - started).toBeLessThan(45_000);
}, 60_000);
