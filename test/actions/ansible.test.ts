import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runStep } from './render-step.ts';
import { generateKey, requireProgram, startSshd, type KeyPair, type Sshd } from './sshd.ts';

let dir: string;
let userKey: KeyPair;
let sshd: Sshd;

beforeAll(async () => {
  await requireProgram('ansible-playbook');
  dir = await mkdtemp(join(tmpdir(), 'tandem-ansible-test-'));
  userKey = await generateKey(dir, 'user_ed25519');
  sshd = await startSshd(userKey);
}, 60_000);

afterAll(async () => {
  await sshd?.stop();
  await rm(dir, { recursive: true, force: true });
});

const PLAYBOOK = `
- hosts: all
  gather_facts: false
  tasks:
    - name: write the version
      copy:
        content: "{{ version }}"
        dest: "{{ target }}/version.txt"
    - name: touch a file with a command
      command: touch {{ target }}/touched
`;

function ansibleStep(fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ansible: {
      playbook: PLAYBOOK,
      hosts: [`127.0.0.1:${sshd.port}`],
      user: sshd.user,
      key: '${{ secrets.deploy_key }}',
      extra_vars: { version: '${{ inputs.version }}', target: dir },
      ...fields,
    },
  };
}

const opts = (version: string) => ({
  inputs: { version },
  secrets: { deploy_key: userKey.privateKey },
  knownHosts: [sshd.knownHost],
});

describe('ansible steps', () => {
  it('a playbook runs against the step hosts with extra vars, writing nothing in the agent home', async () => {
    // The agent's HOME for this run only (the remote side, the same machine, uses the passwd home).
    const home = await mkdtemp(join(tmpdir(), 'tandem-agent-home-'));
    const savedHome = process.env.HOME;
    process.env.HOME = home;
    let result;
    try {
      result = await runStep(ansibleStep(), opts('2.4.1'));
    } finally {
      process.env.HOME = savedHome;
    }
    expect(result.error, result.logs).toBeUndefined();
    expect(result.ok).toBe(true);
    expect(await readFile(join(dir, 'version.txt'), 'utf8')).toBe('2.4.1');
    expect(existsSync(join(dir, 'touched'))).toBe(true);
    expect(result.logs).toContain('PLAY RECAP');
    expect((result.result as { hosts: unknown[] }).hosts).toEqual([
      expect.objectContaining({ host: `127.0.0.1:${sshd.port}`, failed: 0, unreachable: 0, changed: 2 }),
    ]);
    expect(await readdir(home), 'files written in the agent home').toEqual([]);
    await rm(home, { recursive: true });
  }, 60_000);

  it('a value that looks like Jinja reaches the play as text, never evaluated', async () => {
    const value = "{{ lookup('pipe', 'id') }}";
    const result = await runStep(ansibleStep(), opts(value));
    expect(result.error, result.logs).toBeUndefined();
    expect(await readFile(join(dir, 'version.txt'), 'utf8')).toBe(value);
  }, 60_000);

  it('check mode reports what would change and changes nothing', async () => {
    const target = join(dir, 'check');
    const result = await runStep(
      ansibleStep({ check: true, extra_vars: { version: '1', target } }),
      opts('1'),
    );
    expect(result.error, result.logs).toBeUndefined();
    expect(existsSync(join(target, 'version.txt'))).toBe(false);
  }, 60_000);

  it('an unknown host key fails the play with its fingerprint and how to trust it', async () => {
    const result = await runStep(ansibleStep(), { ...opts('1'), knownHosts: [] });
    expect(result.ok).toBe(false);
    expect(result.retryable).toBe(false);
    expect(result.error).toContain(`127.0.0.1:${sshd.port} is not a known host of site local`);
    expect(result.error).toContain(sshd.hostKey.fingerprint);
    expect(result.error).toContain(`tandem site known-host add local 127.0.0.1:${sshd.port}`);
  }, 60_000);

  it('a failing task fails the step and names the host', async () => {
    const playbook = '- hosts: all\n  gather_facts: false\n  tasks:\n    - command: /bin/false\n';
    const result = await runStep(ansibleStep({ playbook }), opts('1'));
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(
      new RegExp(`exit code 2.*failed or unreachable: 127\\.0\\.0\\.1:${sshd.port}`),
    );
  }, 60_000);
});
