/**
 * The hybrid lab, for real: namespaces per site, PostgreSQL streaming synchronously across
 * sites, nginx behind HAProxy, Prometheus, and a Tandem agent in each site running steps there.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  client,
  freePort,
  startServerProcess,
  TEST_TOKEN,
  type ServerProcess,
} from '../support/server-process.ts';
import { acquireLabLock, inSite, lab, labProblem } from './support.ts';

const suite = labProblem === undefined ? describe : describe.skip;

suite('the lab', () => {
  let dir: string;
  let server: ServerProcess;
  let api: ReturnType<typeof client>;
  const target = () => ({ url: server.url, token: TEST_TOKEN });

  let unlock: () => void = () => {};

  beforeAll(async () => {
    unlock = await acquireLabLock();
    dir = await mkdtemp(join(tmpdir(), 'tandem-lab-'));
    server = await startServerProcess({ port: await freePort(), dataDir: dir });
    api = client(server.url);
    // A lab left over from an interrupted run is taken down first.
    await lab(['down'], target());
    const out = await lab(['up'], target());
    expect(out).toMatch(/lab up in/);
  }, 300_000);

  afterAll(async () => {
    await lab(['down'], target()).catch(() => {});
    await server.kill();
    await rm(dir, { recursive: true, force: true });
    unlock();
  }, 120_000);

  it('registers its sites and an online agent in each', async () => {
    const sites = await api('GET', '/api/v1/sites');
    expect(sites.body.sites.map((s: { name: string }) => s.name)).toEqual(
      expect.arrayContaining(['idc-shanghai', 'cloud-hangzhou', 'edge-1']),
    );
    const agents = await api('GET', '/api/v1/agents');
    for (const site of ['idc-shanghai', 'cloud-hangzhou', 'edge-1'])
      expect(agents.body.agents).toContainEqual(expect.objectContaining({ site, state: 'online' }));
  });

  it('runs steps inside each site: writes through HAProxy reach the standby in the other site', async () => {
    const runbook = `apiVersion: tandem/v1
kind: Runbook
metadata: { name: lab-smoke }
spec:
  steps:
    - id: write
      runs_on: { site: edge-1 }
      shell: psql -h 10.77.3.10 -U postgres -d shop -XAtqc "update write_counter set n = n + 1 returning n"
      outputs: { n: "\${{ result.stdout.trim() }}" }
    - id: read_standby
      needs: [write]
      runs_on: { site: cloud-hangzhou }
      shell: psql -h 10.77.2.10 -U postgres -d shop -XAtqc "select n from write_counter"
      outputs: { n: "\${{ result.stdout.trim() }}" }
    - id: web
      runs_on: { site: idc-shanghai }
      shell: curl -fsS http://10.77.3.10/
`;
    expect((await api('POST', '/api/v1/runbooks', runbook, 'application/yaml')).status).toBe(201);
    const started = await api('POST', '/api/v1/runs', { runbook: 'lab-smoke' });
    let run;
    for (let i = 0; i < 150; i++) {
      run = (await api('GET', `/api/v1/runs/${started.body.id as string}`)).body;
      if (['succeeded', 'failed'].includes(run.status as string)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(run.status, JSON.stringify(run.steps)).toBe('succeeded');
    const steps = new Map(
      (run.steps as { id: string; outputs: { n?: string }; site: string }[]).map((s) => [s.id, s]),
    );
    // Synchronous replication: the count written in one site is already on the standby in another.
    expect(steps.get('read_standby')!.outputs.n).toBe(steps.get('write')!.outputs.n);
    expect(steps.get('write')!.site).toBe('edge-1');
  });

  it('cuts a site off and joins it again', async () => {
    const reach = () =>
      inSite('tdm-edge-1', 'curl -s -m 1 -o /dev/null -w "%{http_code}" http://10.77.1.21/health || true');
    expect(await reach()).toBe('200');
    expect(await lab(['partition', 'idc-shanghai'], target())).toMatch(/cut off/);
    expect(await reach()).not.toBe('200');
    expect(await lab(['heal', 'idc-shanghai'], target())).toMatch(/joined/);
    expect(await reach()).toBe('200');
  });

  it('rehearses losing the primary site: dr-drill measures RTO and RPO, then fails back', async () => {
    const started = await api('POST', '/api/v1/runs', { runbook: 'dr-drill' });
    expect(started.status).toBe(201);
    let run;
    for (let i = 0; i < 600; i++) {
      run = (await api('GET', `/api/v1/runs/${started.body.id as string}`)).body;
      if (['succeeded', 'failed', 'cancelled'].includes(run.status as string)) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(run.status, JSON.stringify(run.steps.filter((s: { error: unknown }) => s.error))).toBe(
      'succeeded',
    );
    const out = run.outputs as Record<string, string>;
    // Synchronous replication: nothing acknowledged is lost.
    expect(Number(out.rpo_transactions)).toBe(0);
    // The outage was seen and ended: a positive RTO, well under the drill's own time.
    expect(Number(out.rto_ms)).toBeGreaterThan(0);
    expect(Number(out.rto_ms)).toBeLessThan(30_000);
    expect(Number(out.writes_failed)).toBeGreaterThan(0);
    expect(out.report).toContain('# DR drill: pg-sh-1 → pg-hz-1');
    // Failed back: the original primary is the primary again, with its standby streaming synchronously.
    expect(await lab(['status'], target())).toMatch(/pg-sh-1 primary, pg-hz-1 standby/);
    const sync = await inSite(
      'tdm-idc-sh',
      `psql -h 10.77.1.10 -U postgres -XAtqc "select sync_state from pg_stat_replication where application_name = 'pg_hz_1'"`,
    );
    expect(sync.trim()).toBe('sync');
  }, 180_000);

  it('takes everything down: no namespace, bridge or process is left', async () => {
    await lab(['down'], target());
    expect(execFileSync('ip', ['netns', 'list']).toString()).not.toMatch(/tdm-/);
    expect(() => execFileSync('ip', ['link', 'show', 'tdmlab0'], { stdio: 'pipe' })).toThrow();
    expect(execFileSync('sh', ['-c', 'pgrep -f "/var/lib/tandem-la[b]" || true']).toString().trim()).toBe('');
  }, 120_000);
});
