/**
 * `ssh:` steps: run a command (or upload a file) on every host of the step, `maxParallel` hosts
 * at once. Each host's output goes to the log prefixed `[host] ` and into `result.hosts`; the
 * step succeeds only if every host did. Cancel and timeout stop every host (see ssh-command.ts).
 */
import type { Action, RemoteHost, StepResult } from '../../core/engine/index.ts';
import { errorMessage, isTandemError } from '../../core/errors.ts';
import type { ActionContext } from './context.ts';
import { hostLabel } from './host-keys.ts';
import { HostOutput } from './host-output.ts';
import { remoteScript, runCommand, type CommandRun } from './ssh-command.ts';
import { connectSsh, credentialProblem } from './ssh-connect.ts';
import { uploadFile } from './ssh-upload.ts';

type SshAction = Extract<Action, { kind: 'ssh' }>;

/** One host's part of `result.hosts`. */
export interface HostResult {
  host: string;
  exit_code: number | null;
  stdout: string;
  stderr: string;
  error: string | null;
}

interface HostOutcome {
  result: HostResult;
  retryable: boolean;
}

/** How many hosts a failed step's error names before "and N more". */
const HOSTS_IN_ERROR = 3;

export const stopReason = (signal: AbortSignal): string =>
  typeof signal.reason === 'string' ? signal.reason : 'cancelled';

/** Calls `fn` for each item, at most `limit` at once, in list order. */
export async function eachLimited<T>(items: T[], limit: number, fn: (item: T, i: number) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

async function onHost(
  action: SshAction,
  script: string | undefined,
  target: RemoteHost,
  stop: AbortSignal,
  ctx: ActionContext,
): Promise<HostOutcome> {
  const out = new HostOutput(hostLabel(target), ctx.onLog);
  const done = (run: CommandRun): HostOutcome => {
    if (run.error !== undefined) out.note(run.error);
    const { stdout, stderr } = out.end();
    let error = run.error ?? null;
    const last = stderr.trimEnd().split('\n').at(-1) ?? '';
    if (run.exitCode !== null && run.exitCode !== 0 && last !== '') error = `${error ?? ''}: ${last}`;
    return {
      result: { host: out.host, exit_code: run.exitCode, stdout, stderr, error },
      retryable: run.retryable,
    };
  };
  const stopped = (): CommandRun => {
    const reason = stopReason(stop);
    return { exitCode: null, error: reason, retryable: reason !== 'cancelled' };
  };
  if (stop.aborted) return done(stopped());
  let client;
  try {
    client = await connectSsh(action, target, stop);
  } catch (err: unknown) {
    if (stop.aborted) return done(stopped());
    return done({ exitCode: null, error: errorMessage(err), retryable: isTandemError(err) && err.retryable });
  }
  try {
    if (script !== undefined) return done(await runCommand(client, script, out, stop, action.killGraceMs));
    return done(await uploadFile(client, action.upload!, action.workingDir, out, stop));
  } finally {
    client.end();
  }
}

function summary(failed: HostResult[], total: number): string {
  const named = failed.slice(0, HOSTS_IN_ERROR).map((r) => `${r.host}: ${r.error ?? ''}`);
  const more = failed.length > HOSTS_IN_ERROR ? `; and ${failed.length - HOSTS_IN_ERROR} more` : '';
  return `ssh: ${failed.length} of ${total} host${total === 1 ? '' : 's'} failed: ${named.join('; ')}${more}`;
}

export async function runSsh(action: SshAction, ctx: ActionContext): Promise<StepResult> {
  const fail = (error: string): StepResult => ({ ok: false, error: `ssh: ${error}`, retryable: false });
  if ((action.command === undefined) === (action.upload === undefined))
    return fail('give exactly one of command and upload');
  const problem = credentialProblem(action);
  if (problem !== undefined) return fail(problem);
  let script: string | undefined;
  try {
    if (action.command !== undefined) script = remoteScript(action.command, action.env, action.workingDir);
  } catch (err: unknown) {
    return fail(errorMessage(err));
  }
  const stopper = new AbortController();
  const onCancel = () => stopper.abort('cancelled');
  if (ctx.signal.aborted) onCancel();
  else ctx.signal.addEventListener('abort', onCancel, { once: true });
  const ms = action.timeoutMs;
  const timer = ms === undefined ? undefined : setTimeout(() => stopper.abort(`timed out after ${ms}ms`), ms);
  const outcomes: HostOutcome[] = [];
  try {
    await eachLimited(action.hosts, action.maxParallel, async (target, i) => {
      outcomes[i] = await onHost(action, script, target, stopper.signal, ctx);
    });
  } finally {
    clearTimeout(timer);
    ctx.signal.removeEventListener('abort', onCancel);
  }
  const result = { hosts: outcomes.map((o) => o.result) };
  const failed = outcomes.filter((o) => o.result.error !== null);
  if (failed.length === 0) return { ok: true, outputs: {}, result };
  return {
    ok: false,
    error: summary(
      failed.map((o) => o.result),
      outcomes.length,
    ),
    result,
    retryable: !ctx.signal.aborted && failed.some((o) => o.retryable),
  };
}
