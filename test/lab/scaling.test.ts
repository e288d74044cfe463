/**
 * Bursting into the public cloud, for real: a scaling policy on the lab's Prometheus sees the
 * request rate through HAProxy pass its threshold under load from edge-1, runs burst-scale-out
 * (nginx in cloud-hangzhou, registered in a `burst` slot), and once the load stops runs scale-in.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLoad, type LoadClient } from '../../lab/load.ts';
import {
  client,
  freePort,
  startServerProcess,
  TEST_TOKEN,
  type ServerProcess,
} from '../support/server-process.ts';
import { acquireLabLock, inSite, lab, labProblem } from './support.ts';

const suite = labProblem === undefined ? describe : describe.skip;

const POLICY = `apiVersion: tandem/v1
kind: ScalingPolicy
metadata: { name: web-burst, title: Burst the web tier into cloud-hangzhou }
spec:
  prometheus: http://10.77.0.1:9090
  query: sum(rate(haproxy_backend_http_requests_total{proxy="web"}[10s]))
  # The lab's own probes send ~8 requests/s through HAProxy at all times: thresholds sit above that.
  scale_out_above: 25
  scale_in_below: 14
  for: 4s
  cooldown: 5s
  interval: 2s
  max: 1
  burst_site: cloud-hangzhou
  scale_out: { runbook: burst-scale-out }
  scale_in: { runbook: scale-in }
`;

interface PolicyState {
  instances: number;
  last_value: number | null;
  pending: { action: string; run_id: string } | null;
}

suite('scaling on the lab', () => {
  let dir: string;
  let server: ServerProcess;
  let api: ReturnType<typeof client>;
  let load: LoadClient | undefined;
  let unlock: () => void = () => {};
  const target = () => ({ url: server.url, token: TEST_TOKEN });

  beforeAll(async () => {
    unlock = await acquireLabLock();
    dir = await mkdtemp(join(tmpdir(), 'tandem-lab-scaling-'));
    server = await startServerProcess({ port: await freePort(), dataDir: join(dir, 'data') });
    api = client(server.url);
    await lab(['down'], target());
    expect(await lab(['up'], target())).toMatch(/lab up in/);
  }, 300_000);

  afterAll(async () => {
    await load?.stop();
    await lab(['down'], target()).catch(() => {});
    await server.kill();
    await rm(dir, { recursive: true, force: true });
    unlock();
  }, 120_000);

  const state = async (): Promise<PolicyState> =>
    ((await api('GET', '/api/v1/scaling/web-burst')).body as { state: PolicyState }).state;
  async function until(what: string, check: () => Promise<boolean>, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > deadline) {
        const decisions = (await api('GET', '/api/v1/scaling/web-burst/decisions')).body;
        throw new Error(`timed out waiting for ${what}; decisions: ${JSON.stringify(decisions)}`);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  const burstSlots = () =>
    execFileSync('socat', ['-t', '2', 'stdio', 'unix-connect:/var/lib/tandem-lab/run/haproxy.sock'], {
      input: 'show servers state web\n',
    })
      .toString()
      .split('\n')
      .filter((l) => / burst\d /.test(l))
      .map((l) => l.split(' '))
      .map((f) => ({ slot: f[3], address: f[4], admin: Number(f[6]) }));

  it('adds a web instance in cloud-hangzhou under load, and removes it when the load stops', async () => {
    const applied = await api('POST', '/api/v1/scaling', POLICY, 'application/yaml');
    expect(applied.status, JSON.stringify(applied.body)).toBe(201);
    expect(applied.body.warnings).toEqual([]);
    await until('a first measure from Prometheus', async () => (await state()).last_value !== null, 60_000);
    expect((await state()).instances).toBe(0);

    load = startLoad({
      site: 'edge-1',
      url: 'http://10.77.3.10/',
      perSecond: 45,
      maxSeconds: 240,
      log: join(dir, 'load.log'),
    });
    await until('the burst instance to be counted', async () => (await state()).instances === 1, 150_000);
    // The instance serves through HAProxy: the client in edge-1 got answers from it.
    await until(
      'answers from web-hz-1 through HAProxy',
      async () => load!.answers().some((a) => a.from === 'web-hz-1'),
      10_000,
    );
    expect(burstSlots()[0]).toEqual({ slot: 'burst1', address: '10.77.2.21', admin: 4 });
    expect(await inSite('tdm-cloud-hz', 'curl -fsS -m 2 http://10.77.2.21/')).toMatch(
      /hello from web-hz-1 in cloud-hangzhou/,
    );

    await load.stop();
    const stoppedAt = Date.now();
    await until('the burst instance to be removed', async () => (await state()).instances === 0, 150_000);
    const { decisions } = (await api('GET', '/api/v1/scaling/web-burst/decisions?limit=200')).body as {
      decisions: { decision: string; reason: string; run_id: string | null; at: string }[];
    };
    const actions = decisions.filter((d) => d.decision !== 'hold').reverse();
    expect(actions.map((d) => `${d.decision}:${d.reason}`)).toEqual([
      'scale_out:above_threshold',
      'scaled_out:scale_out',
      'scale_in:below_threshold',
      'scaled_in:scale_in',
    ]);
    expect(Date.parse(actions[2]!.at)).toBeGreaterThan(stoppedAt);
    const out = (await api('GET', `/api/v1/runs/${actions[0]!.run_id!}`)).body;
    expect(out).toMatchObject({ status: 'succeeded', created_by: 'scaling:web-burst' });
    expect(out.outputs).toMatchObject({ slot: 'burst1', address: '10.77.2.21', instance: 'web-hz-1' });

    // Gone: the slot is in maintenance again, the instance and its address are gone.
    expect(burstSlots()[0]).toMatchObject({ slot: 'burst1', address: '127.0.0.1' });
    expect(burstSlots()[0]!.admin % 2).toBe(1);
    expect(await inSite('tdm-cloud-hz', 'ip -o -4 addr show')).not.toContain('10.77.2.21/');
    expect(
      await inSite('tdm-edge-1', 'for i in 1 2 3 4 5 6; do curl -s -m 2 http://10.77.3.10/; done'),
    ).not.toMatch(/web-hz/);
  }, 420_000);
});
