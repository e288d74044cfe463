/**
 * Interval probes end to end: a real server, two real agent processes on two sites probing a
 * local HTTP server and a local TCP server. Stopping the HTTP server makes the service down (an
 * incident, routed and escalated to the on-call user); stopping one site's agent makes that site
 * cut off (a site incident, routed too); both recover.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { startAgentProcess, type AgentProcess } from '../support/agent-process.ts';
import { client, freePort, startServerProcess } from '../support/server-process.ts';

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
  cleanup = [];
});

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err: unknown) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function httpServer(port: number): Promise<Server> {
  const srv = createHttpServer((_req, res) => res.end('ok'));
  return new Promise((resolve) => srv.listen(port, '127.0.0.1', () => resolve(srv)));
}
const closeServer = (srv: Server) =>
  new Promise<void>((resolve) => {
    srv.closeAllConnections();
    srv.close(() => resolve());
  });

interface Matrix {
  sites: { site: string; status: string; reason: string | null }[];
  services: { service: string; status: string; cells: { site: string; state: string }[] }[];
}

it(
  'tells a service down from a site cut off, with two agents on two sites, and pages the on-call user',
  { timeout: 180_000 },
  async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'tandem-probes-'));
    const server = await startServerProcess({
      port: await freePort(),
      dataDir,
      env: { TANDEM_PROBE_EVALUATE_MS: '300', TANDEM_LEASE_MS: '1500' },
    });
    const agents: AgentProcess[] = [];
    cleanup.push(async () => {
      await Promise.all(agents.map((a) => a.kill('SIGKILL')));
      await server.kill('SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    });
    const api = client(server.url);
    const ok = async (method: string, path: string, body?: unknown, type?: string) => {
      const res = await api(method, path, body, type);
      expect(res.status, `${method} ${path}: ${JSON.stringify(res.body)}`).toBeLessThan(300);
      return res.body;
    };

    // Two sites, an agent in each.
    const startAgent = (site: string, name: string, token?: string) => {
      const a = startAgentProcess({
        server: server.url,
        ...(token ? { token } : {}),
        name,
        stateDir: join(dataDir, `agent-${name}`),
        env: { TANDEM_AGENT_PROBE_REFRESH_MS: '300' },
      });
      agents.push(a);
      return a;
    };
    for (const site of ['idc-sh', 'cloud-hz']) {
      await ok('POST', '/api/v1/sites', { name: site, kind: 'idc' });
      const token = (await ok('POST', '/api/v1/agents/enrollment-tokens', { site })).token as string;
      startAgent(site, `${site}-1`, token);
    }

    // On call: ann, paged for web by the routing rule; the site team for sites cut off.
    await ok('POST', '/api/v1/users', { username: 'ann' });
    await ok('POST', '/api/v1/users', { username: 'bob' });
    await ok('POST', '/api/v1/oncall/schedules', {
      name: 'web-primary',
      time_zone: 'Asia/Shanghai',
      layers: [{ name: 'weekly', users: ['ann'], rotation: '1w', start: '2024-01-01' }],
    });
    await ok('POST', '/api/v1/oncall/escalation-policies', {
      name: 'web',
      levels: [
        { targets: [{ schedule: 'web-primary' }], timeout: '10m' },
        { targets: [{ user: 'bob' }], timeout: '10m' },
      ],
    });
    await ok('POST', '/api/v1/oncall/routing-rules', {
      name: 'web',
      labels: { service: 'web' },
      escalation_policy: 'web',
    });
    await ok('POST', '/api/v1/oncall/routing-rules', {
      name: 'sites',
      when: 'incident.grouping == "site"',
      escalation_policy: 'web',
    });

    // What the probes check: web over HTTP, db over TCP, both on this machine.
    const webPort = await freePort();
    let web = await httpServer(webPort);
    const db = createTcpServer((s) => s.end());
    await new Promise<void>((resolve) => db.listen(0, '127.0.0.1', () => resolve()));
    const dbPort = (db.address() as { port: number }).port;
    cleanup.push(async () => {
      await closeServer(web).catch(() => undefined);
      db.close();
    });
    const sites = 'name in (idc-sh,cloud-hz)';
    await ok(
      'POST',
      '/api/v1/probes',
      `apiVersion: tandem/v1
kind: Probe
metadata: { name: web-http }
spec:
  service: web
  sites: "${sites}"
  interval: 1s
  timeout: 1s
  http: { url: "http://127.0.0.1:${webPort}/health", expect_status: 200 }
`,
      'application/yaml',
    );
    await ok('POST', '/api/v1/probes', {
      apiVersion: 'tandem/v1',
      kind: 'Probe',
      metadata: { name: 'db-tcp' },
      spec: { service: 'db', sites, interval: '1s', timeout: '1s', tcp: { host: '127.0.0.1', port: dbPort } },
    });

    const matrix = () => ok('GET', '/api/v1/probes/matrix') as Promise<Matrix>;
    const status = (m: Matrix) => ({
      sites: Object.fromEntries(
        m.sites.map((s) => [s.site, s.reason ? `${s.status}:${s.reason}` : s.status]),
      ),
      services: Object.fromEntries(m.services.map((s) => [s.service, s.status])),
    });
    const matrixIs = (what: string, want: ReturnType<typeof status>) =>
      until(what, async () => {
        const m = status(await matrix());
        return JSON.stringify(m) === JSON.stringify(want) ? m : undefined;
      });
    const healthy = {
      sites: { 'cloud-hz': 'ok', 'idc-sh': 'ok' },
      services: { db: 'up', web: 'up' },
    };
    await matrixIs('both sites reaching both services', healthy);
    const results = (await ok('GET', '/api/v1/probes/web-http/results?limit=50')).results as {
      site: string;
      ok: boolean;
    }[];
    expect(new Set(results.map((r) => r.site))).toEqual(new Set(['idc-sh', 'cloud-hz']));

    // The web server stops: unreachable from every site — the service is down, no site is cut off.
    await closeServer(web);
    await matrixIs('web down', {
      sites: { 'cloud-hz': 'degraded', 'idc-sh': 'degraded' },
      services: { db: 'up', web: 'down' },
    });
    // The event it became opened an incident, routed to policy web: ann (on call) is notified.
    const escalations = async () =>
      (await ok('GET', '/api/v1/oncall/escalations')).escalations as {
        incident: string;
        title: string | null;
        policy: string;
        level: number;
        status: string;
        incident_status: string | null;
      }[];
    const paged = await until('the web incident paged', async () => {
      const e = (await escalations()).find((x) => x.title?.includes('web') && x.level === 1);
      return e;
    });
    expect(paged).toMatchObject({ policy: 'web', status: 'active' });

    web = await httpServer(webPort);
    await matrixIs('web back', healthy);

    // The agent of cloud-hz stops: its results stop while idc-sh still reports — cut off.
    const hz = agents.find((a) => a.child.spawnargs.includes('cloud-hz-1'))!;
    await hz.kill('SIGKILL');
    await matrixIs('cloud-hz cut off', {
      sites: { 'cloud-hz': 'cut_off:silent', 'idc-sh': 'ok' },
      services: { db: 'up', web: 'up' },
    });
    const siteIncident = await until('the site incident paged', async () =>
      (await escalations()).find((x) => x.title?.includes('cloud-hz')),
    );
    expect(siteIncident).toMatchObject({ policy: 'web' });

    // It comes back (its credential kept in its state folder): the site recovers.
    startAgent('cloud-hz', 'cloud-hz-1');
    await matrixIs('cloud-hz back', healthy);
    await until('the site incident resolved and its escalation stopped', async () => {
      const e = (await escalations()).find((x) => x.incident === siteIncident.incident);
      return e?.incident_status === 'resolved' ? e : undefined;
    });

    const cli = (await ok('GET', '/api/v1/probes')).probes as { name: string; run_at: string[] }[];
    expect(cli.map((p) => [p.name, p.run_at.sort()])).toEqual([
      ['db-tcp', ['cloud-hz', 'idc-sh']],
      ['web-http', ['cloud-hz', 'idc-sh']],
    ]);
  },
);
