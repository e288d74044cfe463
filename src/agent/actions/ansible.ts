/**
 * `ansible:` steps: the agent's `ansible-playbook` (e.g. Debian's package) against the step's
 * hosts, through the process runner (process group, timeout, cancel). Everything it reads or
 * writes lives in a temp dir removed afterwards: inventory, key (0600), known_hosts built from
 * the site's trusted keys, extra vars, Ansible's home and temp. Host keys are checked strictly;
 * the agent's ssh config, keys and ssh-agent are not used.
 */
import { constants } from 'node:fs';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Action, StepResult } from '../../core/engine/index.ts';
import { shellQuote } from '../../core/expr/index.ts';
import { inventory, parseRecap, unsafeYaml } from './ansible-files.ts';
import type { ActionContext } from './context.ts';
import { hostKeyProblem, knownHostsFile } from './host-keys.ts';
import { runProcess } from './process.ts';
import { credentialProblem, scanHostKey } from './ssh-connect.ts';

type AnsibleAction = Extract<Action, { kind: 'ansible' }>;

/** What OpenSSH prints when strict checking refuses a host key. */
const HOST_KEY_REFUSED = /Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED/;

async function onPath(program: string): Promise<boolean> {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    try {
      await access(join(dir, program), constants.X_OK);
      return true;
    } catch {
      // Not in this one.
    }
  }
  return false;
}

/** The files of the run in `dir`, each 0600 (they may hold the key, a password or secrets). */
async function writeFiles(dir: string, action: AnsibleAction): Promise<{ playbook: string }> {
  const put = (name: string, text: string) => writeFile(join(dir, name), text, { mode: 0o600 });
  let keyFile: string | undefined;
  if (action.key !== undefined) {
    keyFile = join(dir, 'key');
    // OpenSSH refuses a key file whose last line does not end.
    await put('key', action.key.endsWith('\n') ? action.key : `${action.key}\n`);
  }
  await put('known_hosts', knownHostsFile(action.knownHosts));
  await put('inventory.yml', inventory(action, keyFile));
  await put('vars.yml', `${unsafeYaml(action.extraVars)}\n`);
  if (action.playbook === undefined) return { playbook: action.playbookFile! };
  await put('playbook.yml', action.playbook);
  return { playbook: join(dir, 'playbook.yml') };
}

function ansibleEnv(dir: string, action: AnsibleAction): Record<string, string> {
  const ssh = [
    '-F /dev/null',
    '-o ControlMaster=no',
    '-o StrictHostKeyChecking=yes',
    `-o ${shellQuote(`UserKnownHostsFile=${join(dir, 'known_hosts')}`)}`,
    '-o GlobalKnownHostsFile=/dev/null',
    '-o UpdateHostKeys=no',
    '-o IdentitiesOnly=yes',
    '-o IdentityAgent=none',
    action.key === undefined ? '-o PubkeyAuthentication=no' : '-o BatchMode=yes',
  ];
  const utf8 = /utf-?8/i.test(process.env.LC_ALL ?? process.env.LANG ?? '');
  return {
    ANSIBLE_HOME: join(dir, 'home'),
    ANSIBLE_LOCAL_TEMP: join(dir, 'tmp'),
    ANSIBLE_SSH_CONTROL_PATH_DIR: join(dir, 'cp'),
    ANSIBLE_RETRY_FILES_ENABLED: 'False',
    ANSIBLE_HOST_KEY_CHECKING: 'True',
    ANSIBLE_SSH_ARGS: ssh.join(' '),
    ANSIBLE_TIMEOUT: String(Math.max(1, Math.ceil(action.connectTimeoutMs / 1000))),
    ANSIBLE_PIPELINING: 'True',
    ANSIBLE_PYTHON_INTERPRETER: 'auto_silent',
    ANSIBLE_STDOUT_CALLBACK: 'default',
    ANSIBLE_CALLBACK_RESULT_FORMAT: 'yaml',
    ANSIBLE_NOCOLOR: 'True',
    ANSIBLE_FORCE_COLOR: 'False',
    PYTHONUNBUFFERED: '1',
    // Ansible refuses to start without a UTF-8 locale.
    ...(utf8 ? {} : { LC_ALL: 'C.UTF-8' }),
  };
}

/** Why hosts refused: the host keys they show that the site does not trust. */
async function hostKeyProblems(action: AnsibleAction): Promise<string[]> {
  const problems: string[] = [];
  for (const target of action.hosts) {
    const key = await scanHostKey(action, target);
    const problem = key && hostKeyProblem(action.knownHosts, target, action.site, key);
    if (problem) problems.push(problem);
  }
  return problems;
}

async function explain(run: StepResult, action: AnsibleAction): Promise<StepResult> {
  const output = (run.result ?? {}) as { stdout?: string; stderr?: string };
  const result = { ...output, hosts: parseRecap(output.stdout ?? '', action.hosts) };
  if (run.ok) return { ...run, result };
  if (run.error?.startsWith('cannot start') === true)
    return {
      ok: false,
      error: 'ansible: ansible-playbook is not installed on the agent (Debian: apt-get install ansible)',
      retryable: false,
    };
  if (HOST_KEY_REFUSED.test(`${output.stdout ?? ''}\n${output.stderr ?? ''}`)) {
    const problems = await hostKeyProblems(action);
    if (problems.length > 0)
      return { ok: false, error: `ansible: ${problems.join('; ')}`, result, retryable: false };
  }
  const failed = result.hosts.filter((h) => h.failed > 0 || h.unreachable > 0).map((h) => h.host);
  const where = failed.length > 0 ? ` (failed or unreachable: ${failed.join(', ')})` : '';
  return { ...run, error: `ansible-playbook: ${run.error ?? 'failed'}${where}`, result };
}

export async function runAnsible(action: AnsibleAction, ctx: ActionContext): Promise<StepResult> {
  const fail = (error: string): StepResult => ({ ok: false, error: `ansible: ${error}`, retryable: false });
  if ((action.playbook === undefined) === (action.playbookFile === undefined))
    return fail('give exactly one of playbook and playbook_file');
  const problem = credentialProblem(action);
  if (problem !== undefined) return fail(problem);
  if (action.key === undefined && !(await onPath('sshpass')))
    return fail(
      'a password login needs sshpass on the agent (Debian: apt-get install sshpass); or give a key',
    );
  const dir = await mkdtemp(join(tmpdir(), 'tandem-ansible-'));
  try {
    const { playbook } = await writeFiles(dir, action);
    const run = await runProcess(
      () => ({
        file: 'ansible-playbook',
        args: [
          ...['-i', join(dir, 'inventory.yml'), '-e', `@${join(dir, 'vars.yml')}`],
          ...['--forks', String(action.maxParallel), ...(action.check ? ['--check'] : []), '--', playbook],
        ],
        // The step's env first: Tandem's settings (strict host keys, the temp dirs) win.
        env: { ...action.env, ...ansibleEnv(dir, action) },
        killGraceMs: action.killGraceMs,
        workingDir: action.workingDir ?? dir,
        ...(action.timeoutMs === undefined ? {} : { timeoutMs: action.timeoutMs }),
      }),
      ctx,
    );
    return await explain(run, action);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
