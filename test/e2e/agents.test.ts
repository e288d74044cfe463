/**
 * Site agents as real processes: enrollment, routing by site and labels, confinement to their
 * site, fail-over when an agent dies, fencing of a frozen agent, and store-and-forward across a
 * server restart.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startAgentProcess, type AgentProcess } from '../support/agent-process.ts';
import { makeCertificates } from '../support/tls.ts';
import {
  client,
  freePort,
  startServerProcess,
  TEST_TOKEN,
  type ServerProcess,
} from '../support/server-process.ts';

type Api = ReturnType<typeof client>;
let cleanup: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
  cleanup = [];
});

async function setup(env: Record<string, string> = {}) {
  const dataDir = await mkdtemp(join(tmpdir(), 'tandem-agents-'));
  const port = await freePort();
  let server = await startServerProcess({ port, dataDir, env: { TANDEM_LEASE_MS: '1500', ...env } });
  const api = client(server.url);
  const agents: AgentProcess[] = [];
  cleanup.push(async () => {
    await Promise.all(agents.map((a) => a.kill('SIGKILL')));
    await server.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  });
  const h = {
    dataDir,
    api,
    get server(): ServerProcess {
      return server;
    },
    async restart(signal: NodeJS.Signals = 'SIGKILL') {
      await server.kill(signal);
      server = await startServerProcess({ port, dataDir, env: { TANDEM_LEASE_MS: '1500', ...env } });
    },
    async site(name: string, kind = 'idc') {
      expect((await api('POST', '/api/v1/sites', { name, kind, provider: 'bare-metal' })).status).toBe(201);
    },
    async agent(site: string, name: string, labels: string[] = []) {
      const token = (await api('POST', '/api/v1/agents/enrollment-tokens', { site })).body.token as string;
      const a = startAgentProcess({
        server: server.url,
        token,
        name,
        labels,
        stateDir: join(dataDir, `agent-${name}`),
      });
      agents.push(a);
      await until(`agent ${name} online`, async () => {
        const list = (await api('GET', '/api/v1/agents')).body.agents as { name: string; state: string }[];
        return list.some((x) => x.name === name && x.state === 'online') ? true : undefined;
      });
      return a;
    },
    async runbook(yaml: string) {
      const res = await api('POST', '/api/v1/runbooks', yaml, 'application/yaml');
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    },
  };
  return h;
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const finished = (api: Api, id: string) =>
  until(`run ${id} to finish`, async () => {
    const run = (await api('GET', `/api/v1/runs/${id}`)).body;
    return ['succeeded', 'failed', 'cancelled'].includes(run.status as string) ? run : undefined;
  });

const stepOf = (run: { steps: { id: string }[] }, id: string) =>
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a step of a JSON answer
  run.steps.find((s) => s.id === id) as Record<string, any>;

const agentName = async (api: Api, id: string) =>
  ((await api('GET', `/api/v1/agents/${id}`)).body.name as string | undefined) ?? id;

describe('site agents', () => {
  it(
    'routes each step to an agent of its site with its labels, and none other',
    { timeout: 60_000 },
    async () => {
      const h = await setup();
      await h.site('idc-sh');
      await h.site('cloud-hz', 'public-cloud');
      await h.agent('idc-sh', 'sh-db', ['linux', 'postgres']);
      await h.agent('idc-sh', 'sh-web', ['linux']);
      await h.agent('cloud-hz', 'hz-1', ['linux']);
      await h.runbook(`apiVersion: tandem/v1
kind: Runbook
metadata: { name: two-sites }
spec:
  steps:
    - id: db
      runs_on: { site: idc-sh, labels: [postgres] }
      shell: echo "where=$TANDEM_STEP" >> "$TANDEM_OUTPUTS"
    - id: cloud
      runs_on: { site: cloud-hz }
      shell: echo cloud
    - id: here
      shell: echo here
`);
      for (let i = 0; i < 3; i++) {
        const { id } = (await h.api('POST', '/api/v1/runs', { runbook: 'two-sites' })).body;
        const run = await finished(h.api, id as string);
        expect(run.status).toBe('succeeded');
        expect([stepOf(run, 'db').site, await agentName(h.api, stepOf(run, 'db').agent as string)]).toEqual([
          'idc-sh',
          'sh-db',
        ]);
        expect([
          stepOf(run, 'cloud').site,
          await agentName(h.api, stepOf(run, 'cloud').agent as string),
        ]).toEqual(['cloud-hz', 'hz-1']);
        expect(stepOf(run, 'here').site).toBe('local');
        expect(stepOf(run, 'db').outputs).toEqual({ where: 'db' });
      }
      const site = (await h.api('GET', '/api/v1/sites/idc-sh')).body;
      expect(site.agents.map((a: { name: string }) => a.name).sort()).toEqual(['sh-db', 'sh-web']);
      expect(site.agents[0].facts.hostname).toBeTruthy();
    },
  );

  it(
    'an agent never receives a step of another site, and cannot report for one',
    { timeout: 60_000 },
    async () => {
      const h = await setup();
      await h.site('idc-sh');
      await h.site('edge-1', 'edge');
      await h.runbook(`apiVersion: tandem/v1
kind: Runbook
metadata: { name: confined }
spec:
  steps:
    - id: secret-work
      runs_on: { site: idc-sh }
      shell: echo idc
`);
      const enroll = async (site: string, name: string) => {
        const token = (await h.api('POST', '/api/v1/agents/enrollment-tokens', { site })).body
          .token as string;
        const res = await fetch(`${h.server.url}/api/v1/agent/enroll`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ token, name }),
        });
        expect(res.status).toBe(201);
        const again = await fetch(`${h.server.url}/api/v1/agent/enroll`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ token, name: `${name}-2` }),
        });
        expect(again.status).toBe(401);
        return ((await res.json()) as { credential: string }).credential;
      };
      const edge = client(h.server.url, await enroll('edge-1', 'edge-agent'));
      const idc = client(h.server.url, await enroll('idc-sh', 'idc-agent'));
      const { id } = (await h.api('POST', '/api/v1/runs', { runbook: 'confined' })).body;
      expect((await edge('POST', '/api/v1/agent/claim', { max: 10, wait_ms: 300 })).body.steps).toEqual([]);
      const claimed = (await idc('POST', '/api/v1/agent/claim', { max: 10, wait_ms: 2000 })).body.steps;
      expect(claimed.map((s: { runId: string; key: string }) => [s.runId, s.key])).toEqual([
        [id, 'secret-work'],
      ]);
      const report = { ...claimed[0], result: { ok: true } };
      delete report.action;
      delete report.idempotencyKey;
      const stolen = await edge('POST', '/api/v1/agent/complete', { results: [report] });
      expect(stolen.body.accepted[0]).toMatchObject({
        accepted: false,
        reason: expect.stringMatching(/not leased to this agent/),
      });
      expect(
        (
          await edge('POST', '/api/v1/agent/logs', {
            chunks: [{ runId: id, key: 'secret-work', attempt: 1, stream: 'stdout', data: 'forged' }],
          })
        ).body.dropped,
      ).toBe(1);
      // User tokens do not work on the agent protocol, nor agent credentials on the user API.
      expect((await h.api('POST', '/api/v1/agent/claim', { max: 1 })).status).toBe(401);
      expect((await idc('GET', '/api/v1/runs')).status).toBe(401);
      const ok = await idc('POST', '/api/v1/agent/complete', { results: [report] });
      expect(ok.body.accepted[0].accepted).toBe(true);
      expect((await finished(h.api, id as string)).status).toBe('succeeded');
    },
  );

  it('a step whose agent is killed finishes on another agent of the site', { timeout: 60_000 }, async () => {
    const h = await setup();
    await h.site('idc-sh');
    const a = await h.agent('idc-sh', 'a1', ['linux']);
    const b = await h.agent('idc-sh', 'a2', ['linux']);
    await h.runbook(`apiVersion: tandem/v1
kind: Runbook
metadata: { name: survive }
spec:
  steps:
    - id: work
      runs_on: { site: idc-sh, labels: [linux] }
      shell: sleep 1.5; echo "done=yes" >> "$TANDEM_OUTPUTS"
`);
    const { id } = (await h.api('POST', '/api/v1/runs', { runbook: 'survive' })).body;
    const first = await until('the step to start', async () => {
      const s = stepOf((await h.api('GET', `/api/v1/runs/${id as string}`)).body, 'work');
      return s.status === 'running' ? s : undefined;
    });
    const victim = (await agentName(h.api, first.agent as string)) === 'a1' ? a : b;
    await victim.kill('SIGKILL');
    const run = await finished(h.api, id as string);
    expect(run.status).toBe('succeeded');
    const step = stepOf(run, 'work');
    expect(step.attempt).toBe(2);
    expect(step.agent).not.toBe(first.agent);
    expect(step.outputs).toEqual({ done: 'yes' });
  });

  it(
    'an agent frozen past its lease is fenced: its late result is refused',
    { timeout: 60_000 },
    async () => {
      const h = await setup();
      await h.site('idc-sh');
      const a = await h.agent('idc-sh', 'f1', ['linux']);
      const b = await h.agent('idc-sh', 'f2', ['linux']);
      await h.runbook(`apiVersion: tandem/v1
kind: Runbook
metadata: { name: fenced }
spec:
  steps:
    - id: work
      runs_on: { site: idc-sh }
      shell: sleep 2; echo "by=$TANDEM_ATTEMPT" >> "$TANDEM_OUTPUTS"
`);
      const { id } = (await h.api('POST', '/api/v1/runs', { runbook: 'fenced' })).body;
      const first = await until('the step to start', async () => {
        const s = stepOf((await h.api('GET', `/api/v1/runs/${id as string}`)).body, 'work');
        return s.status === 'running' ? s : undefined;
      });
      const frozen = (await agentName(h.api, first.agent as string)) === 'f1' ? a : b;
      frozen.child.kill('SIGSTOP');
      await until('the step to move to the other agent', async () => {
        const s = stepOf((await h.api('GET', `/api/v1/runs/${id as string}`)).body, 'work');
        return s.attempt === 2 ? true : undefined;
      });
      frozen.child.kill('SIGCONT');
      const run = await finished(h.api, id as string);
      expect(stepOf(run, 'work')).toMatchObject({ status: 'succeeded', attempt: 2, outputs: { by: '2' } });
      // It learns at its next call: its heartbeat finds the lease lost, or its result is refused.
      await until('the frozen agent to learn it was fenced', async () =>
        /result refused|lease lost/.test(frozen.output()) ? true : undefined,
      );
      const events = (await h.api('GET', `/api/v1/runs/${id as string}/events`)).body.events as {
        type: string;
      }[];
      expect(events.filter((e) => e.type === 'step.succeeded')).toHaveLength(1);
    },
  );

  it(
    'a result finished while the server was down is delivered when it returns',
    { timeout: 60_000 },
    async () => {
      const h = await setup({ TANDEM_LEASE_MS: '20000' });
      await h.site('idc-sh');
      const a = await h.agent('idc-sh', 's1');
      await h.runbook(`apiVersion: tandem/v1
kind: Runbook
metadata: { name: forward }
spec:
  steps:
    - id: work
      runs_on: { site: idc-sh }
      shell: sleep 1; echo "kept=yes" >> "$TANDEM_OUTPUTS"
`);
      const { id } = (await h.api('POST', '/api/v1/runs', { runbook: 'forward' })).body;
      await until('the step to start', async () =>
        stepOf((await h.api('GET', `/api/v1/runs/${id as string}`)).body, 'work').status === 'running'
          ? true
          : undefined,
      );
      await h.server.kill('SIGKILL');
      // The step ends while the server is away; the agent keeps the result in its outbox.
      await new Promise((r) => setTimeout(r, 2500));
      expect(a.child.exitCode).toBeNull();
      await h.restart();
      const run = await finished(h.api, id as string);
      expect(stepOf(run, 'work')).toMatchObject({
        status: 'succeeded',
        attempt: 1,
        outputs: { kept: 'yes' },
      });
    },
  );

  it('a revoked agent is refused at once and stops', { timeout: 60_000 }, async () => {
    const h = await setup();
    await h.site('idc-sh');
    const a = await h.agent('idc-sh', 'r1');
    expect((await h.api('POST', '/api/v1/agents/r1/revoke')).status).toBe(200);
    await until('the agent to stop', async () => (a.child.exitCode !== null ? true : undefined));
    const list = (await h.api('GET', '/api/v1/agents?site=idc-sh')).body.agents;
    expect(list[0]).toMatchObject({ name: 'r1', state: 'revoked' });
  });

  it(
    'a secret reaches only its site’s agent, masked in logs and outputs, and is stored nowhere in clear',
    { timeout: 60_000 },
    async () => {
      const h = await setup();
      await h.site('idc-sh');
      await h.site('cloud-hz', 'public-cloud');
      await h.agent('idc-sh', 'sec-1');
      await h.agent('cloud-hz', 'sec-2');
      const value = "s3cr3t-'quoted' $(no) value";
      expect((await h.api('PUT', '/api/v1/secrets/db_password', { value, site: 'idc-sh' })).status).toBe(201);
      const listed = JSON.stringify((await h.api('GET', '/api/v1/secrets')).body);
      expect(listed).toContain('db_password');
      expect(listed).not.toContain('s3cr3t');
      await h.runbook(`apiVersion: tandem/v1
kind: Runbook
metadata: { name: uses-secret }
spec:
  inputs:
    site: { type: string, required: true }
  steps:
    - id: use
      runs_on: { site: "\${{ inputs.site }}" }
      shell: printf '%s' \${{ secrets.db_password }} | cut -c1-4; echo "pw=$PW" >> "$TANDEM_OUTPUTS"; echo "$PW" >&2; test "$PW" = \${{ secrets.db_password }}
      env:
        PW: \${{ secrets.db_password }}
`);
      const ok = (await h.api('POST', '/api/v1/runs', { runbook: 'uses-secret', inputs: { site: 'idc-sh' } }))
        .body;
      const run = await finished(h.api, ok.id as string);
      expect(run.status, JSON.stringify(run.steps)).toBe('succeeded');
      expect(stepOf(run, 'use').outputs).toEqual({ pw: '***' });
      const logs = (await h.api('GET', `/api/v1/runs/${ok.id as string}/logs`)).body.logs
        .map((l: { data: string }) => l.data)
        .join('');
      expect(logs).toContain('s3cr\n');
      expect(logs).toContain('***');
      expect(logs).not.toContain('s3cr3t');
      // Scoped to idc-sh: an agent of cloud-hz never gets it, the step fails saying so.
      const other = (
        await h.api('POST', '/api/v1/runs', { runbook: 'uses-secret', inputs: { site: 'cloud-hz' } })
      ).body;
      const failed = await finished(h.api, other.id as string);
      expect(failed.status).toBe('failed');
      expect(stepOf(failed, 'use').error).toMatch(/secret db_password is not set for site cloud-hz/);
      // Nothing in the store holds the value in clear.
      await h.server.kill('SIGTERM');
      const { default: Database } = await import('better-sqlite3');
      const db = new Database(join(h.dataDir, 'tandem.db'), { readonly: true });
      try {
        const tables = db.prepare("select name from sqlite_master where type = 'table'").all() as {
          name: string;
        }[];
        for (const { name } of tables) {
          const dump = JSON.stringify(db.prepare(`select * from "${name}"`).all());
          expect(dump.includes('s3cr3t'), `table ${name} holds the secret`).toBe(false);
        }
      } finally {
        db.close();
      }
    },
  );

  it(
    'over TLS with a private CA, an agent enrolls and runs steps; SIGTERM drains it',
    { timeout: 60_000 },
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'tandem-tls-'));
      cleanup.push(() => rm(dir, { recursive: true, force: true }));
      const tls = await makeCertificates(dir);
      const server = await startServerProcess({ port: await freePort(), dataDir: join(dir, 'data'), tls });
      cleanup.push(() => server.kill('SIGKILL'));
      const api = tlsClient(server.url, tls.ca);
      expect((await api('POST', '/api/v1/sites', { name: 'edge-1', kind: 'edge' })).status).toBe(201);
      const token = (await api('POST', '/api/v1/agents/enrollment-tokens', { site: 'edge-1' })).body
        .token as string;
      // Without the CA the agent refuses the server's certificate.
      const blind = startAgentProcess({
        server: server.url,
        token,
        name: 'blind',
        stateDir: join(dir, 'blind'),
      });
      cleanup.push(() => blind.kill('SIGKILL'));
      await until('the agent without the CA to give up', async () =>
        blind.child.exitCode !== null ? true : undefined,
      );
      expect(blind.output()).toMatch(/certificate/i);
      const agent = startAgentProcess({
        server: server.url,
        token,
        name: 'tls-1',
        stateDir: join(dir, 'tls-1'),
        caFile: tls.ca,
      });
      cleanup.push(() => agent.kill('SIGKILL'));
      expect(
        (
          await api(
            'POST',
            '/api/v1/runbooks',
            `apiVersion: tandem/v1
kind: Runbook
metadata: { name: edge-work }
spec:
  steps:
    - id: work
      runs_on: { site: edge-1 }
      shell: sleep 1; echo "done=yes" >> "$TANDEM_OUTPUTS"
`,
            'application/yaml',
          )
        ).status,
      ).toBe(201);
      const { id } = (await api('POST', '/api/v1/runs', { runbook: 'edge-work' })).body;
      await until('the step to start on the agent', async () => {
        const run = (await api('GET', `/api/v1/runs/${id as string}`)).body;
        return stepOf(run, 'work').status === 'running' ? true : undefined;
      });
      agent.child.kill('SIGTERM');
      await until('the agent to drain and exit', async () =>
        agent.child.exitCode !== null ? true : undefined,
      );
      expect(agent.child.exitCode).toBe(0);
      const run = (await api('GET', `/api/v1/runs/${id as string}`)).body;
      expect(run.status).toBe('succeeded');
      expect(stepOf(run, 'work').outputs).toEqual({ done: 'yes' });
    },
  );
});

function tlsClient(url: string, caFile: string) {
  const ca = readFileSync(caFile);
  return (method: string, path: string, body?: unknown, type = 'application/json') =>
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers, read field by field
    new Promise<{ status: number; body: any }>((resolve, reject) => {
      const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      const req = httpsRequest(
        `${url}${path}`,
        {
          method,
          ca,
          headers: {
            authorization: `Bearer ${TEST_TOKEN}`,
            ...(payload === undefined ? {} : { 'content-type': type }),
          },
        },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : {} }));
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
}
