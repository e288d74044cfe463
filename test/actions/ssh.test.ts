import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capture, runStep, waitUntil } from './render-step.ts';
import { generateKey, processesMatching, startSshd, type KeyPair, type Sshd } from './sshd.ts';

let dir: string;
let userKey: KeyPair;
let a: Sshd;
let b: Sshd;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tandem-ssh-test-'));
  userKey = await generateKey(dir, 'user_ed25519');
  // One after the other: if the second fails to start, afterAll still stops the first.
  a = await startSshd(userKey);
  b = await startSshd(userKey);
});

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await rm(dir, { recursive: true, force: true });
});

/** An ssh step against the given servers, logging in with the generated user key. */
function sshStep(servers: Sshd[], fields: Record<string, unknown>): Record<string, unknown> {
  return {
    ssh: {
      hosts: servers.map((s) => `127.0.0.1:${s.port}`),
      user: servers[0]!.user,
      key: '${{ secrets.deploy_key }}',
      ...fields,
    },
  };
}

const opts = (servers: Sshd[], inputs: Record<string, unknown> = {}) => ({
  inputs,
  secrets: { deploy_key: userKey.privateKey },
  knownHosts: servers.map((s) => s.knownHost),
});

/** [start, end] of each host's run, from `date +%s%N` lines. */
function spans(hosts: { stdout: string }[]): [number, number][] {
  return hosts.map((h) => {
    const [start, end] = h.stdout.trim().split('\n').map(Number);
    return [start!, end!];
  });
}

describe('ssh steps', () => {
  it('a command runs on every host and each host output is kept and logged with its name', async () => {
    const result = await runStep(
      sshStep([a, b], { command: 'echo "hello from $SSH_CONNECTION"; echo warning >&2' }),
      opts([a, b]),
    );
    expect(result.error).toBeUndefined();
    expect(result.ok).toBe(true);
    const hosts = (
      result.result as { hosts: { host: string; exit_code: number; stdout: string; stderr: string }[] }
    ).hosts;
    expect(hosts.map((h) => h.host)).toEqual([`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`]);
    for (const [i, server] of [a, b].entries()) {
      expect(hosts[i]).toMatchObject({ exit_code: 0, stderr: 'warning\n', error: null });
      expect(hosts[i]!.stdout).toMatch(
        new RegExp(`^hello from 127\\.0\\.0\\.1 \\d+ 127\\.0\\.0\\.1 ${server.port}\\n$`),
      );
      expect(result.logs).toContain(`[127.0.0.1:${server.port}] hello from`);
      expect(result.logs).toContain(`[127.0.0.1:${server.port}] warning\n`);
    }
  });

  it('max_parallel bounds how many hosts run at once', async () => {
    const command = 'date +%s%N; sleep 0.4; date +%s%N';
    const together = await runStep(sshStep([a, b], { command, max_parallel: 2 }), opts([a, b]));
    const [x, y] = spans((together.result as { hosts: { stdout: string }[] }).hosts);
    expect(x![0] < y![1] && y![0] < x![1], 'with max_parallel 2 the hosts overlap').toBe(true);
    const oneByOne = await runStep(sshStep([a, b], { command, max_parallel: 1 }), opts([a, b]));
    const [p, q] = spans((oneByOne.result as { hosts: { stdout: string }[] }).hosts);
    expect(q![0] >= p![1], 'with max_parallel 1 the second host starts after the first ended').toBe(true);
  });

  it('env and working_dir reach the remote shell', async () => {
    const result = await runStep(
      {
        ...sshStep([a], { command: 'pwd; printf "%s\\n" "$GREETING"' }),
        env: { GREETING: "it's ${{ inputs.who }}" },
        working_dir: dir,
      },
      opts([a], { who: 'me' }),
    );
    expect((result.result as { hosts: { stdout: string }[] }).hosts[0]!.stdout).toBe(`${dir}\nit's me\n`);
  });

  it('a value with shell metacharacters stays one word on the remote side', async () => {
    const marker = join(dir, 'injected');
    const value = `a  b; touch ${marker} $(touch ${marker}) \`touch ${marker}\` 'q' "d" | & > *`;
    const result = await runStep(
      sshStep([a], { command: "printf '<%s>\\n' ${{ inputs.value }}" }),
      opts([a], { value }),
    );
    expect(result.ok).toBe(true);
    expect((result.result as { hosts: { stdout: string }[] }).hosts[0]!.stdout).toBe(`<${value}>\n`);
    expect(existsSync(marker)).toBe(false);
  });

  it('a host that fails fails the step, names the host and keeps every host result', async () => {
    const result = await runStep(
      sshStep([a, b], {
        command: `if [ "\${SSH_CONNECTION##* }" = ${b.port} ]; then echo broken >&2; exit 3; fi; echo fine`,
      }),
      opts([a, b]),
    );
    expect(result.ok).toBe(false);
    expect(result.retryable).toBe(true);
    expect(result.error).toBe(`ssh: 1 of 2 hosts failed: 127.0.0.1:${b.port}: exit code 3: broken`);
    const hosts = (result.result as { hosts: { exit_code: number; stdout: string }[] }).hosts;
    expect(hosts.map((h) => [h.exit_code, h.stdout])).toEqual([
      [0, 'fine\n'],
      [3, ''],
    ]);
  });

  it('upload writes the rendered content atomically with the given mode', async () => {
    const path = join(dir, 'app.conf');
    await writeFile(path, 'old content\n', { mode: 0o600 });
    const result = await runStep(
      sshStep([a], { upload: { content: 'version=${{ inputs.version }}\n', path, mode: '0640' } }),
      opts([a], { version: '1.2.3' }),
    );
    expect(result.error).toBeUndefined();
    expect(await readFile(path, 'utf8')).toBe('version=1.2.3\n');
    expect((await stat(path)).mode & 0o777).toBe(0o640);
    expect(result.logs).toContain(`[127.0.0.1:${a.port}] wrote 14 bytes to ${path} (mode 0640)`);
  });

  it('an unknown host key is refused with its type, fingerprint and how to trust it', async () => {
    const result = await runStep(sshStep([a], { command: 'true' }), { ...opts([a]), knownHosts: [] });
    expect(result.ok).toBe(false);
    expect(result.retryable).toBe(false);
    expect(result.error).toContain(`127.0.0.1:${a.port} is not a known host of site local`);
    expect(result.error).toContain(`ssh-ed25519 host key is ${a.hostKey.fingerprint}`);
    expect(result.error).toContain(
      `tandem site known-host add local 127.0.0.1:${a.port} '${a.hostKey.publicKey}'`,
    );
  });

  it('a changed host key is refused, showing the new and the trusted fingerprint', async () => {
    const wrong = { ...a.knownHost, publicKey: b.knownHost.publicKey };
    const result = await runStep(sshStep([a], { command: 'true' }), { ...opts([a]), knownHosts: [wrong] });
    expect(result.ok).toBe(false);
    expect(result.error).toContain('has CHANGED');
    expect(result.error).toContain(
      `it is ${a.hostKey.fingerprint}, the site trusts ${b.hostKey.fingerprint}`,
    );
  });

  it('without key or password the step fails and says the agent keys are not used', async () => {
    const step = sshStep([a], { command: 'true' });
    delete (step.ssh as Record<string, unknown>).key;
    const result = await runStep(step, opts([a]));
    expect(result).toMatchObject({ ok: false, retryable: false });
    expect(result.error).toMatch(/no key and no password given.*never used/);
  });

  it('cancel stops the remote command and everything it started', async () => {
    const seconds = `${300 + Math.floor(Math.random() * 600)}.${process.pid}`;
    const captured = capture();
    const running = runStep(
      sshStep([a], { command: `sleep ${seconds}; echo not reached` }),
      opts([a]),
      captured,
    );
    await waitUntil(
      'the remote sleep runs',
      async () => (await processesMatching(`sleep ${seconds}`)).length > 0,
    );
    captured.abort.abort();
    const result = await running;
    expect(result).toMatchObject({ ok: false, retryable: false });
    expect((result.result as { hosts: { error: string }[] }).hosts[0]!.error).toBe('cancelled');
    await waitUntil(
      'the remote sleep is gone',
      async () => (await processesMatching(`sleep ${seconds}`)).length === 0,
      5_000,
    );
  });

  it('a step timeout stops the command and may be retried', async () => {
    const result = await runStep({ ...sshStep([a], { command: 'sleep 30' }), timeout: '500ms' }, opts([a]));
    expect(result).toMatchObject({ ok: false, retryable: true });
    expect(result.error).toBe(`ssh: 1 of 1 host failed: 127.0.0.1:${a.port}: timed out after 500ms`);
  });
});
