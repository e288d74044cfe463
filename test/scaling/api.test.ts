/**
 * Scaling policies end to end: a real `tandem server`, a real Prometheus scraping a gauge the
 * test sets, the CLI. Raising the gauge adds an instance (the scale-out runbook runs), lowering
 * it removes it; every decision is on record and applies are audited.
 */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrometheus, until, type Prometheus } from '../estate/prometheus.ts';
import {
  BIN,
  client,
  freePort,
  startServerProcess,
  TEST_TOKEN,
  type ServerProcess,
} from '../support/server-process.ts';

const exec = promisify(execFile);

/** An exporter of one gauge, `tandem_test_load`, whose value the test sets. */
async function startGauge(): Promise<{ address: string; set(v: number): void; stop(): Promise<void> }> {
  let value = 0;
  const server: Server = createServer((req, res) => {
    if (req.url !== '/metrics') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end(`# TYPE tandem_test_load gauge\ntandem_test_load ${value}\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  if (typeof addr !== 'object' || addr === null) throw new Error('no address');
  return {
    address: `127.0.0.1:${addr.port}`,
    set: (v) => (value = v),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const runbook = (name: string) => `apiVersion: tandem/v1
kind: Runbook
metadata: { name: ${name} }
spec:
  inputs:
    site: { type: string }
    instance: { type: number }
  steps:
    - id: act
      log: ${name} instance \${{ inputs.instance }} in \${{ inputs.site }}
`;

const policy = (prometheus: string) => `apiVersion: tandem/v1
kind: ScalingPolicy
metadata: { name: test-burst, title: Burst while the test gauge is high }
spec:
  prometheus: ${prometheus}
  query: max(tandem_test_load)
  scale_out_above: 50
  scale_in_below: 10
  for: 2s
  cooldown: 1s
  interval: 1s
  max: 1
  burst_site: cloud-test
  scale_out: { runbook: test-grow, inputs: { site: "\${{ scaling.burst_site }}", instance: "\${{ scaling.target }}" } }
  scale_in: { runbook: test-shrink, inputs: { site: "\${{ scaling.burst_site }}", instance: "\${{ scaling.instances }}" } }
`;

describe('scaling policies through the API and the CLI', () => {
  let dir: string;
  let server: ServerProcess;
  let prometheus: Prometheus;
  let gauge: Awaited<ReturnType<typeof startGauge>>;
  let api: ReturnType<typeof client>;
  const cli = (...args: string[]) =>
    exec(process.execPath, [BIN, '--server', server.url, '--token', TEST_TOKEN, ...args], {
      env: { ...process.env, NO_COLOR: '1' },
    });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tandem-scaling-'));
    gauge = await startGauge();
    prometheus = await startPrometheus([{ job: 'load', targets: [gauge.address] }]);
    server = await startServerProcess({ port: await freePort(), dataDir: join(dir, 'data') });
    api = client(server.url);
    for (const name of ['test-grow', 'test-shrink'])
      expect((await api('POST', '/api/v1/runbooks', runbook(name), 'application/yaml')).status).toBe(201);
  }, 120_000);

  afterAll(async () => {
    await server.kill('SIGTERM');
    await prometheus.stop();
    await gauge.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses an invalid policy with the line of each problem', async () => {
    const bad = policy(prometheus.url).replace('scale_in_below: 10', 'scale_in_below: 60');
    const res = await api('POST', '/api/v1/scaling', bad, 'application/yaml');
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([
      expect.objectContaining({ path: 'spec.scale_in_below', line: 8, column: 19 }),
    ]);
  });

  it('applies a policy from the CLI, with a warning for a site Tandem does not know', async () => {
    const file = join(dir, 'policy.yaml');
    await writeFile(file, policy(prometheus.url));
    const { stdout, stderr } = await cli('scaling', 'apply', file);
    expect(stdout).toMatch(/applied scaling policy test-burst version 1/);
    expect(stderr).toMatch(/site cloud-test does not exist/);
    expect((await cli('scaling', 'apply', file)).stdout).toMatch(
      /unchanged scaling policy test-burst version 1/,
    );
    const audit = await api('GET', '/api/v1/audit?limit=50');
    expect(JSON.stringify(audit.body)).toContain('scaling.applied');
  });

  it('adds an instance while the measure stays high and removes it when it falls', async () => {
    const state = async () => (await api('GET', '/api/v1/scaling/test-burst')).body;
    // Quiet first: the measure is read from Prometheus and is low.
    await until('a first reading', async () => ((await state()).state.last_value === 0 ? true : undefined));
    gauge.set(100);
    await until(
      'the scale-out to be counted',
      async () => ((await state()).state.instances === 1 ? true : undefined),
      60_000,
    );
    gauge.set(0);
    await until(
      'the scale-in to be counted',
      async () => ((await state()).state.instances === 0 ? true : undefined),
      60_000,
    );

    const { decisions } = (await api('GET', '/api/v1/scaling/test-burst/decisions?limit=100')).body as {
      decisions: { decision: string; reason: string; run_id: string | null; value: number | null }[];
    };
    const actions = decisions.filter((d) => d.decision !== 'hold').reverse();
    expect(actions.map((d) => `${d.decision}:${d.reason}`)).toEqual([
      'scale_out:above_threshold',
      'scaled_out:scale_out',
      'scale_in:below_threshold',
      'scaled_in:scale_in',
    ]);
    expect(actions[0]!.value).toBe(100);
    // The runs were started by the policy, with the inputs it rendered.
    const run = (await api('GET', `/api/v1/runs/${actions[0]!.run_id!}`)).body;
    expect(run).toMatchObject({
      runbook: 'test-grow',
      status: 'succeeded',
      inputs: { site: 'cloud-test', instance: 1 },
    });
    const shrink = (await api('GET', `/api/v1/runs/${actions[2]!.run_id!}`)).body;
    expect(shrink.inputs).toEqual({ site: 'cloud-test', instance: 1 });
    // Holding reasons in between: the condition had to hold for 2 s first.
    expect(decisions.map((d) => d.reason)).toContain('for_pending');

    const { stdout } = await cli('scaling', 'list');
    expect(stdout).toMatch(/test-burst\s+cloud-test\s+0 \(0\.\.1\)/);
    expect((await cli('scaling', 'decisions', 'test-burst')).stdout).toMatch(/scaled_in/);
  }, 150_000);

  it('deletes a policy; its decisions stay on record', async () => {
    expect((await cli('scaling', 'rm', 'test-burst')).stdout).toMatch(/deleted scaling policy test-burst/);
    expect((await api('GET', '/api/v1/scaling/test-burst')).status).toBe(404);
    expect((await api('GET', '/api/v1/scaling/test-burst/decisions')).body.decisions.length).toBeGreaterThan(
      3,
    );
    expect((await api('DELETE', '/api/v1/scaling/test-burst')).status).toBe(404);
  });
});
