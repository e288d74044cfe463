/**
 * Running a step's process: in its own process group, with a minimal environment, outputs
 * through `$TANDEM_OUTPUTS`, logs streamed in chunks, and on cancel or timeout SIGTERM to the
 * whole group, then SIGKILL after the grace period. Nothing the step started survives it.
 */
import { execFile, spawn } from 'node:child_process';
import { chown, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { promisify } from 'node:util';
import { join } from 'node:path';
import type { StepResult } from '../../core/engine/index.ts';
import { errorMessage } from '../../core/errors.ts';
import { OutputsFormatError, parseOutputsFile } from '../outputs-file.ts';
import type { ActionContext } from './context.ts';

const exec = promisify(execFile);

/** stdout/stderr kept in the result for `outputs:` expressions: the last 64 KiB of each. */
const RESULT_TAIL_BYTES = 64 * 1024;
/** The outputs file may not exceed the per-step output limit (1 MiB). */
const MAX_OUTPUTS_FILE_BYTES = 1024 * 1024;
/** The agent's own environment is not passed on (it may hold credentials); only these are. */
const INHERITED_ENV = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'USER', 'LOGNAME', 'SHELL', 'TMPDIR', 'TZ'];

export interface ProcessSpec {
  file: string;
  args: string[];
  env: Record<string, string>;
  workingDir?: string;
  timeoutMs?: number;
  killGraceMs: number;
  /** Written into the attempt's temp dir before start (a script body). */
  files?: Record<string, string>;
  /** A local user to run as (needs the agent to run as root). */
  user?: string;
}

interface LocalUser {
  uid: number;
  gid: number;
  home: string;
  name: string;
}

/** The passwd entry of `name` (by getent, so NSS sources count), or why there is none. */
async function localUser(name: string): Promise<LocalUser | string> {
  if (process.getuid?.() !== 0)
    return `user ${name}: the agent runs as ${userInfo().username} and can run steps as another user only as root`;
  try {
    const { stdout } = await exec('getent', ['passwd', name]);
    const [user, , uid, gid, , home] = stdout.trim().split(':');
    return { name: user!, uid: Number(uid), gid: Number(gid), home: home ?? '/' };
  } catch {
    return `user ${name} does not exist on this host`;
  }
}

class Tail {
  private chunks: Buffer[] = [];
  private size = 0;
  push(b: Buffer): void {
    this.chunks.push(b);
    this.size += b.length;
    while (this.size - this.chunks[0]!.length > RESULT_TAIL_BYTES) this.size -= this.chunks.shift()!.length;
  }
  text(): string {
    const all = Buffer.concat(this.chunks);
    return all.subarray(Math.max(0, all.length - RESULT_TAIL_BYTES)).toString('utf8');
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone already.
  }
}

export async function runProcess(
  spec: (dir: string) => ProcessSpec,
  ctx: ActionContext,
): Promise<StepResult> {
  const dir = await mkdtemp(join(tmpdir(), 'tandem-step-'));
  try {
    const p = spec(dir);
    const user = p.user === undefined ? undefined : await localUser(p.user);
    if (typeof user === 'string') return { ok: false, error: user, retryable: false };
    for (const [name, body] of Object.entries(p.files ?? {}))
      await writeFile(join(dir, name), body, { mode: 0o700 });
    const outputsPath = join(dir, 'outputs');
    await writeFile(outputsPath, '');
    if (user) {
      // The step's user writes its outputs and reads its script: the attempt's folder is theirs.
      for (const f of [dir, outputsPath, ...Object.keys(p.files ?? {}).map((n) => join(dir, n))])
        await chown(f, user.uid, user.gid);
    }
    const env: Record<string, string> = {};
    for (const name of INHERITED_ENV) if (process.env[name] !== undefined) env[name] = process.env[name];
    if (user) Object.assign(env, { HOME: user.home, USER: user.name, LOGNAME: user.name });
    Object.assign(env, p.env, {
      TANDEM_OUTPUTS: outputsPath,
      TANDEM_RUN_ID: ctx.runId,
      TANDEM_STEP: ctx.key,
      TANDEM_ATTEMPT: String(ctx.attempt),
      TANDEM_IDEMPOTENCY_KEY: ctx.idempotencyKey,
    });
    const outcome = await spawnAndWait(p, env, ctx, user);
    const result = { exit_code: outcome.code ?? -1, stdout: outcome.stdout, stderr: outcome.stderr };
    if (outcome.stopped)
      return { ok: false, error: outcome.stopped, result, retryable: outcome.stopped !== 'cancelled' };
    if (outcome.spawnError) return { ok: false, error: outcome.spawnError, result, retryable: false };
    if (outcome.code !== 0) {
      const last = outcome.stderr.trimEnd().split('\n').at(-1) ?? '';
      const how =
        outcome.code === null ? `killed by ${outcome.signal ?? 'a signal'}` : `exit code ${outcome.code}`;
      return { ok: false, error: last ? `${how}: ${last}` : how, result };
    }
    const text = await readFile(outputsPath, 'utf8');
    if (Buffer.byteLength(text) > MAX_OUTPUTS_FILE_BYTES)
      return { ok: false, error: `outputs exceed ${MAX_OUTPUTS_FILE_BYTES} bytes`, result, retryable: false };
    try {
      return { ok: true, outputs: parseOutputsFile(text), result };
    } catch (err: unknown) {
      if (err instanceof OutputsFormatError)
        return { ok: false, error: err.message, result, retryable: false };
      throw err;
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  stopped?: string;
  spawnError?: string;
}

function spawnAndWait(
  p: ProcessSpec,
  env: Record<string, string>,
  ctx: ActionContext,
  user: LocalUser | undefined,
): Promise<Exit> {
  return new Promise((resolve) => {
    const out = new Tail();
    const err = new Tail();
    let stopped: string | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    const child = spawn(p.file, p.args, {
      cwd: p.workingDir,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
    });
    const stop = (why: string) => {
      if (stopped || child.pid === undefined) return;
      stopped = why;
      killGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => killGroup(child.pid!, 'SIGKILL'), p.killGraceMs);
    };
    const timeout =
      p.timeoutMs === undefined
        ? undefined
        : setTimeout(() => stop(`timed out after ${p.timeoutMs}ms`), p.timeoutMs);
    const onAbort = () => stop('cancelled');
    if (ctx.signal.aborted) onAbort();
    else ctx.signal.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (b: Buffer) => {
      out.push(b);
      ctx.onLog('stdout', b.toString('utf8'));
    });
    child.stderr.on('data', (b: Buffer) => {
      err.push(b);
      ctx.onLog('stderr', b.toString('utf8'));
    });
    // When the main process ends, what it left in its group goes too: that also closes the pipes.
    child.on('exit', () => {
      if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
    });
    child.on('error', (e) => {
      clearTimeout(timeout);
      clearTimeout(killTimer);
      ctx.signal.removeEventListener('abort', onAbort);
      resolve({
        code: null,
        signal: null,
        stdout: '',
        stderr: '',
        spawnError: `cannot start ${p.file}: ${errorMessage(e)}`,
      });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timeout);
      clearTimeout(killTimer);
      ctx.signal.removeEventListener('abort', onAbort);
      resolve({ code, signal, stdout: out.text(), stderr: err.text(), ...(stopped ? { stopped } : {}) });
    });
  });
}
