/**
 * The estate end to end, with real processes and the `tandem` CLI: an agent's host appears by
 * itself, an estate file declares two hosts served by real sshd, and a runbook whose ssh step
 * says only `targets: { selector: "kind=host,role=web" }` runs on exactly those; a selector
 * that picks nothing fails its step saying so.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { generateKey, startSshd, type Sshd } from '../actions/sshd.ts';
import { startAgentProcess, type AgentProcess } from '../support/agent-process.ts';
import { BIN, client, freePort, startServerProcess, TEST_TOKEN } from '../support/server-process.ts';
import { until } from './prometheus.ts';

const run = promisify(execFile);

it(
  'an ssh step with a selector runs on the hosts the estate gives, and fails when it gives none',
  { timeout: 150_000 },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tandem-estate-e2e-'));
    const userKey = await generateKey(dir, 'deploy');
    const sshds: Sshd[] = [await startSshd(userKey), await startSshd(userKey)];
    const server = await startServerProcess({ port: await freePort(), dataDir: join(dir, 'server') });
    let agent: AgentProcess | undefined;
    const env = { ...process.env, TANDEM_SERVER: server.url, TANDEM_TOKEN: TEST_TOKEN };
    const tandem = async (args: string[], input?: string) => {
      const p = run(process.execPath, [BIN, ...args], { env });
      if (input !== undefined) {
        p.child.stdin!.write(input);
        p.child.stdin!.end();
      }
      return (await p).stdout;
    };
    const api = client(server.url);
    try {
      await tandem(['site', 'create', 'idc-sh', '--kind', 'idc']);
      const token = JSON.parse(await tandem(['--json', 'agent', 'token', 'create', '--site', 'idc-sh'])) as {
        token: string;
      };
      agent = startAgentProcess({
        server: server.url,
        token: token.token,
        name: 'sh-1',
        stateDir: join(dir, 'agent'),
      });
      for (const s of sshds)
        await tandem(['site', 'known-host', 'add', 'idc-sh', `127.0.0.1:${s.port}`, s.hostKey.publicKey]);
      await tandem(['secret', 'set', 'deploy_key'], userKey.privateKey);

      // The agent's own machine appears in the estate by itself, with its facts.
      const agentHost = await until('the agent host in the estate', async () => {
        const page = (await api('GET', '/api/v1/estate/resources?kind=host&site=idc-sh')).body;
        return (
          page.resources as { name: string; source: string; facts: { hostname?: string } | null }[]
        ).find((r) => r.source.startsWith('agent:'));
      });
      expect(agentHost.facts?.hostname).toBeDefined();

      const estate = join(dir, 'estate.yaml');
      await writeFile(
        estate,
        `apiVersion: tandem/v1
kind: Estate
metadata: { source: idc-sh }
spec:
  resources:
    - { kind: host, name: web-1, site: idc-sh, labels: { role: web }, properties: { address: "127.0.0.1:${sshds[0]!.port}" } }
    - { kind: host, name: web-2, site: idc-sh, labels: { role: web }, properties: { address: 127.0.0.1, port: ${sshds[1]!.port} } }
    - { kind: host, name: web-bj, site: idc-bj, labels: { role: web }, properties: { address: 192.0.2.1 } }
    - { kind: host, name: db-1, site: idc-sh, labels: { role: db }, properties: { address: 192.0.2.2 } }
`,
      );
      expect(await tandem(['estate', 'apply', estate, '--dry-run'])).toContain('would create host/web-1');
      expect(await tandem(['estate', 'apply', estate])).toContain(
        'source idc-sh: 4 created, 0 updated, 0 deleted',
      );
      const listed = await tandem(['estate', 'list', '--selector', 'kind=host,role=web,site=idc-sh']);
      expect(listed).toMatch(/host\/web-1\s+idc-sh\s+role=web\s+idc-sh/);
      expect(listed).not.toContain('web-bj');

      const runbook = join(dir, 'targets.yaml');
      await writeFile(
        runbook,
        `apiVersion: tandem/v1
kind: Runbook
metadata: { name: on-web }
spec:
  inputs:
    role: { type: string, default: web }
  steps:
    - id: hello
      ssh:
        targets: { selector: "kind=host,role=\${{ inputs.role }}", site: idc-sh }
        user: ${sshds[0]!.user}
        key: \${{ secrets.deploy_key }}
        command: echo "hello from $SSH_CONNECTION"
    - id: reachable
      needs: [hello]
      probe:
        targets: { selector: "name=web-1", site: idc-sh }
        tcp: { port: ${sshds[0]!.port} }
`,
      );
      await tandem(['runbook', 'apply', runbook]);
      const started = JSON.parse(await tandem(['--json', 'run', 'start', 'on-web'])) as { id: string };
      await tandem(['run', 'watch', started.id]).catch(() => undefined);
      const view = (await api('GET', `/api/v1/runs/${started.id}`)).body;
      expect(view.status, `${JSON.stringify(view.steps)}\n${agent.output()}`).toBe('succeeded');
      const steps = Object.fromEntries(
        (view.steps as { id: string }[]).map((s) => [s.id, s]),
      ) as unknown as Record<
        string,
        {
          site: string;
          result: { hosts: { host: string; stdout: string }[] };
          outputs: Record<string, string>;
        }
      >;
      expect(steps.hello!.site).toBe('idc-sh');
      expect(steps.hello!.result.hosts.map((h) => h.host).sort()).toEqual(
        sshds.map((s) => `127.0.0.1:${s.port}`).sort(),
      );
      for (const h of steps.hello!.result.hosts) expect(h.stdout).toContain('hello from 127.0.0.1');
      expect(steps.reachable!.outputs).toMatchObject({ ok: 'true', failed: '' });

      // A selector that picks nothing fails the step, and says why.
      const none = JSON.parse(
        await tandem(['--json', 'run', 'start', 'on-web', '--input', 'role=cache']),
      ) as {
        id: string;
      };
      await tandem(['run', 'watch', none.id]).catch(() => undefined);
      const failed = (await api('GET', `/api/v1/runs/${none.id}`)).body;
      expect(failed.status).toBe('failed');
      const hello = (failed.steps as { id: string; error: string | null }[]).find((s) => s.id === 'hello')!;
      expect(hello.error).toMatch(/nothing in the estate of site idc-sh matches "kind=host,role=cache"/);

      // Drift: what changed in web-1 since the start, field by field.
      const text = await readFile(estate, 'utf8');
      await writeFile(
        estate,
        text.replace(
          'name: web-1, site: idc-sh, labels: { role: web }',
          'name: web-1, site: idc-sh, labels: { role: web, tier: front }',
        ),
      );
      await tandem(['estate', 'apply', estate]);
      const diff = await tandem(['estate', 'diff', 'host/web-1', '--since', '1h']);
      expect(diff).toContain('host/web-1');
      expect(diff).toContain('labels.tier: (unset) → front');
      expect(await tandem(['estate', 'show', 'host/web-1'])).toContain(
        `address: 127.0.0.1:${sshds[0]!.port}`,
      );

      const inventory = join(import.meta.dirname, 'fixtures/inventory.ini');
      const imported = await tandem(['estate', 'import', 'ansible', inventory, '--site', 'idc-gz']);
      expect(imported).toContain('created host/web04');
      expect(imported).toContain('left out variables that look like credentials: ansible_password');
      expect(imported).toContain('source ansible:inventory.ini: 10 created');
    } finally {
      await agent?.kill('SIGKILL');
      await server.kill('SIGKILL');
      for (const s of sshds) await s.stop();
      await rm(dir, { recursive: true, force: true });
    }
  },
);
