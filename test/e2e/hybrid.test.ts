/**
 * The README's hybrid flow end to end, with real processes and the `tandem` CLI: a server, an
 * agent in each of two sites, a real sshd reachable from both, a key held as a secret, the
 * host key trusted per site; a runbook whose steps run on two sites — SSH on one, an Ansible
 * play on the other.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { generateKey, requireProgram, startSshd } from '../actions/sshd.ts';
import { startAgentProcess, type AgentProcess } from '../support/agent-process.ts';
import { BIN, client, freePort, startServerProcess, TEST_TOKEN } from '../support/server-process.ts';

const run = promisify(execFile);

it(
  'a runbook runs SSH on one site and an Ansible play on another, driven by the CLI',
  { timeout: 120_000 },
  async () => {
    await requireProgram('ansible-playbook');
    const dir = await mkdtemp(join(tmpdir(), 'tandem-hybrid-'));
    const userKey = await generateKey(dir, 'deploy');
    const sshd = await startSshd(userKey);
    const server = await startServerProcess({ port: await freePort(), dataDir: join(dir, 'server') });
    const agents: AgentProcess[] = [];
    const env = { ...process.env, TANDEM_SERVER: server.url, TANDEM_TOKEN: TEST_TOKEN };
    const tandem = async (args: string[], input?: string) => {
      const p = run(process.execPath, [BIN, ...args], { env });
      if (input !== undefined) {
        p.child.stdin!.write(input);
        p.child.stdin!.end();
      }
      return (await p).stdout;
    };
    try {
      for (const [site, kind] of [
        ['idc-shanghai', 'idc'],
        ['cloud-hangzhou', 'public-cloud'],
      ] as const) {
        await tandem(['site', 'create', site, '--kind', kind]);
        const token = (await tandem(['--json', 'agent', 'token', 'create', '--site', site])).trim();
        const t = (JSON.parse(token) as { token: string }).token;
        agents.push(
          startAgentProcess({
            server: server.url,
            token: t,
            name: `${site}-1`,
            labels: ['linux'],
            stateDir: join(dir, site),
          }),
        );
        await tandem(['site', 'known-host', 'add', site, `127.0.0.1:${sshd.port}`, sshd.hostKey.publicKey]);
      }
      await tandem(['secret', 'set', 'deploy_key'], userKey.privateKey);
      const target = join(dir, 'written-by-ansible');
      const runbook = join(dir, 'hybrid.yaml');
      const { writeFile } = await import('node:fs/promises');
      await writeFile(
        runbook,
        `apiVersion: tandem/v1
kind: Runbook
metadata: { name: hybrid }
spec:
  inputs:
    host: { type: string, required: true }
    message: { type: string, default: "it's here; $(not run)" }
  steps:
    - id: ssh
      runs_on: { site: idc-shanghai, labels: [linux] }
      ssh:
        hosts: ["\${{ inputs.host }}"]
        user: ${sshd.user}
        key: \${{ secrets.deploy_key }}
        command: printf '%s' \${{ inputs.message }} | wc -c
    - id: play
      needs: [ssh]
      runs_on: { site: cloud-hangzhou }
      ansible:
        hosts: ["\${{ inputs.host }}"]
        user: ${sshd.user}
        key: \${{ secrets.deploy_key }}
        extra_vars: { message: "\${{ inputs.message }}", target: ${JSON.stringify(target)} }
        playbook: |
          - hosts: all
            gather_facts: false
            tasks:
              - copy: { content: "{{ message }}", dest: "{{ target }}" }
`,
      );
      expect(await tandem(['runbook', 'validate', runbook])).toBeDefined();
      await tandem(['runbook', 'apply', runbook]);
      const api = client(server.url);
      const deadline = Date.now() + 20_000;
      while (
        ((await api('GET', '/api/v1/agents')).body.agents as { state: string }[]).filter(
          (a) => a.state === 'online',
        ).length < 3
      ) {
        if (Date.now() > deadline) throw new Error('agents did not come online');
        await new Promise((r) => setTimeout(r, 100));
      }
      const started = await tandem([
        '--json',
        'run',
        'start',
        'hybrid',
        '--input',
        `host=127.0.0.1:${sshd.port}`,
      ]);
      const id = (JSON.parse(started) as { id: string }).id;
      const watched = await tandem(['run', 'watch', id]).catch((err: unknown) => {
        throw new Error(`run watch failed: ${String(err)}\n${agents.map((a) => a.output()).join('\n')}`);
      });
      expect(watched).toContain('run.finished');
      const view = (await api('GET', `/api/v1/runs/${id}`)).body;
      expect(view.status, JSON.stringify(view.steps)).toBe('succeeded');
      const steps = Object.fromEntries(
        (view.steps as { id: string; site: string; result: unknown }[]).map((s) => [s.id, s]),
      );
      expect(steps.ssh!.site).toBe('idc-shanghai');
      expect(steps.play!.site).toBe('cloud-hangzhou');
      expect(JSON.stringify(steps.ssh!.result)).toContain(String(Buffer.byteLength("it's here; $(not run)")));
      expect(await readFile(target, 'utf8')).toBe("it's here; $(not run)");
      // The private key never reached a log, an output or a result.
      const logs = JSON.stringify((await api('GET', `/api/v1/runs/${id}/logs`)).body);
      expect(logs).not.toContain('PRIVATE KEY');
      expect(JSON.stringify(view)).not.toContain('PRIVATE KEY');
    } finally {
      await Promise.all(agents.map((a) => a.kill('SIGKILL')));
      await server.kill('SIGKILL');
      await sshd.stop();
      await rm(dir, { recursive: true, force: true });
    }
  },
);
