/**
 * Running a command on a connected host. The remote shell first prints its pid (sshd makes it
 * the leader of a new process group), so cancel and timeout can signal the whole group from a
 * second channel: SIGTERM, then SIGKILL after the grace period. Without that, a command the
 * shell started would outlive the cancel, since sshd does not kill what a session leaves behind.
 */
import type { Client as SshClient, ClientChannel } from 'ssh2';
import { errorMessage } from '../../core/errors.ts';
import { shellQuote } from '../../core/expr/index.ts';
import type { HostOutput } from './host-output.ts';

/** After SIGKILL, how long to wait for the channel to close before closing it ourselves. */
const CLOSE_AFTER_KILL_MS = 2_000;
const PGID_LINE = /(?:^|\n)(tandem-pgid (\d+)\n)/;
/** Output a shell startup file prints before the pid line is held back at most this long. */
const MAX_HEAD_BYTES = 4096;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface CommandRun {
  exitCode: number | null;
  error?: string;
  retryable: boolean;
}

/** The line the remote shell runs: pid first, then `cd`, exports and the step's command. */
export function remoteScript(command: string, env: Record<string, string>, workingDir?: string): string {
  const lines = [`printf 'tandem-pgid %s\\n' "$$"`];
  if (workingDir !== undefined) lines.push(`cd ${shellQuote(workingDir)} || exit 1`);
  for (const [name, value] of Object.entries(env)) {
    if (!ENV_NAME.test(name)) throw new Error(`env: "${name}" is not a valid variable name`);
    lines.push(`export ${name}=${shellQuote(value)}`);
  }
  return `${lines.join('\n')}\n${command}`;
}

function signalGroup(client: SshClient, pgid: string, signal: 'TERM' | 'KILL'): void {
  // `--` for bash and most shells; dash's kill wants the group without it.
  const line = `kill -${signal} -- -${pgid} 2>/dev/null || kill -${signal} -${pgid}`;
  try {
    client.exec(line, (err, channel) => {
      if (err) return;
      channel.resume();
      channel.stderr.resume();
      channel.end();
    });
  } catch {
    // The connection is gone: so is the session.
  }
}

function trySignal(channel: ClientChannel, signal: 'TERM' | 'KILL'): void {
  try {
    channel.signal(signal);
  } catch {
    // Already closed.
  }
}

export function runCommand(
  client: SshClient,
  script: string,
  out: HostOutput,
  stop: AbortSignal,
  killGraceMs: number,
): Promise<CommandRun> {
  return new Promise((resolve) => {
    const cannot = (message: string) =>
      resolve({ exitCode: null, error: `cannot start the command: ${message}`, retryable: true });
    const started = (err: Error | undefined, channel: ClientChannel) => {
      if (err) return cannot(err.message);
      let pgid: string | undefined;
      let head: Buffer | undefined = Buffer.alloc(0);
      let exit: { code: number | null; signal?: string } | undefined;
      let stopped: string | undefined;
      const timers: NodeJS.Timeout[] = [];
      const onStop = () => {
        stopped = typeof stop.reason === 'string' ? stop.reason : 'cancelled';
        trySignal(channel, 'TERM');
        if (pgid !== undefined) signalGroup(client, pgid, 'TERM');
        timers.push(
          setTimeout(() => {
            trySignal(channel, 'KILL');
            if (pgid !== undefined) signalGroup(client, pgid, 'KILL');
            timers.push(setTimeout(() => channel.close(), CLOSE_AFTER_KILL_MS));
          }, killGraceMs),
        );
      };
      channel.on('data', (b: Buffer) => {
        if (head === undefined) return out.data('stdout', b);
        // The shell's pid line (after what a startup file may print) is ours; the rest the command's.
        head = Buffer.concat([head, b]);
        const m = PGID_LINE.exec(head.toString('latin1')); // latin1: one char per byte
        if (m === null && head.length < MAX_HEAD_BYTES) return;
        pgid = m?.[2];
        const at = m === null ? 0 : m.index + m[0].length - m[1]!.length;
        const rest =
          m === null ? head : Buffer.concat([head.subarray(0, at), head.subarray(at + m[1]!.length)]);
        head = undefined;
        if (rest.length > 0) out.data('stdout', rest);
        if (pgid !== undefined && stopped !== undefined) signalGroup(client, pgid, 'TERM');
      });
      channel.stderr.on('data', (b: Buffer) => out.data('stderr', b));
      channel.on('exit', (code: number | null, signal?: string) => {
        exit = code === null ? { code, signal: signal ?? 'a signal' } : { code };
      });
      channel.on('close', () => {
        for (const t of timers) clearTimeout(t);
        stop.removeEventListener('abort', onStop);
        if (head !== undefined && head.length > 0) out.data('stdout', head);
        const code = exit?.code ?? null;
        if (stopped !== undefined)
          resolve({ exitCode: code, error: stopped, retryable: stopped !== 'cancelled' });
        else if (exit === undefined)
          resolve({
            exitCode: null,
            error: 'the connection closed before the command ended',
            retryable: true,
          });
        else if (exit.code === null)
          resolve({ exitCode: null, error: `killed by SIG${exit.signal}`, retryable: true });
        else if (exit.code !== 0)
          resolve({ exitCode: exit.code, error: `exit code ${exit.code}`, retryable: true });
        else resolve({ exitCode: 0, retryable: true });
      });
      // The command reads no input: like `ssh host cmd </dev/null`.
      channel.end();
      if (stop.aborted) onStop();
      else stop.addEventListener('abort', onStop, { once: true });
    };
    try {
      client.exec(script, started);
    } catch (err: unknown) {
      cannot(errorMessage(err));
    }
  });
}
