/** Running the lab's commands: in the host or in a site's namespace, optionally as another user. */
import { execFile, spawn } from 'node:child_process';
import { openSync } from 'node:fs';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export interface RunOptions {
  ns?: string;
  user?: string;
  env?: Record<string, string>;
  /** Do not throw on a non-zero exit; answer it. */
  allowFail?: boolean;
  input?: string;
}

function argv(cmd: string, args: string[], o: RunOptions): [string, string[]] {
  let full = [cmd, ...args];
  if (o.user) full = ['runuser', '-u', o.user, '--', ...full];
  if (o.ns) full = ['ip', 'netns', 'exec', o.ns, ...full];
  return [full[0]!, full.slice(1)];
}

export async function run(
  cmd: string,
  args: string[],
  o: RunOptions = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const [file, rest] = argv(cmd, args, o);
  try {
    const child = execFileAsync(file, rest, {
      env: { ...process.env, ...o.env },
      maxBuffer: 64 * 1024 * 1024,
    });
    if (o.input !== undefined) {
      child.child.stdin?.end(o.input);
    }
    const { stdout, stderr } = await child;
    return { code: 0, stdout, stderr };
  } catch (err: unknown) {
    const e = err as { code?: number; stdout?: string; stderr?: string; message: string };
    if (o.allowFail)
      return {
        code: typeof e.code === 'number' ? e.code : 1,
        stdout: e.stdout ?? '',
        stderr: e.stderr ?? e.message,
      };
    throw new Error(`${[file, ...rest].join(' ')} failed: ${(e.stderr ?? '').trim() || e.message}`, {
      cause: err,
    });
  }
}

/** Start a long-running process detached, its output appended to `log`; answers its pid. */
export function daemon(
  cmd: string,
  args: string[],
  log: string,
  o: RunOptions & { cwd?: string } = {},
): number {
  const [file, rest] = argv(cmd, args, o);
  const fd = openSync(log, 'a');
  const child = spawn(file, rest, {
    detached: true,
    stdio: ['ignore', fd, fd],
    env: { ...process.env, ...o.env },
    ...(o.cwd ? { cwd: o.cwd } : {}),
  });
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start ${cmd}`);
  return child.pid;
}

/** Wait until `check` answers true, or fail after `ms` naming `what`. */
export async function waitFor(what: string, check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
