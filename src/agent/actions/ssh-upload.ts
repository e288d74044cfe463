/**
 * `ssh: { upload: … }`: write a file on a connected host over SFTP, atomically. The content goes
 * to a temporary file beside the target (mode 0600 while it is written), gets its mode, then
 * replaces the target in one rename: a reader sees the old file or the new one, never half.
 */
import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import type { Client as SshClient, SFTPWrapper, Stats } from 'ssh2';
import { errorMessage } from '../../core/errors.ts';
import type { CommandRun } from './ssh-command.ts';
import type { HostOutput } from './host-output.ts';

/** The mode of a new file when the step gives none. */
const DEFAULT_MODE = 0o644;

export interface Upload {
  content: string;
  path: string;
  mode?: string;
}

function call<T>(fn: (cb: (err: Error | null | undefined, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));
}

function openSftp(client: SshClient): Promise<SFTPWrapper> {
  return call((cb) => client.sftp((err, sftp) => cb(err, sftp)));
}

async function existingMode(sftp: SFTPWrapper, path: string): Promise<number | undefined> {
  try {
    const stats = await call<Stats>((cb) => sftp.stat(path, cb));
    return stats.mode & 0o7777;
  } catch {
    return undefined;
  }
}

async function replace(sftp: SFTPWrapper, from: string, to: string): Promise<void> {
  try {
    await call<undefined>((cb) => sftp.ext_openssh_rename(from, to, (err) => cb(err, undefined)));
  } catch (err: unknown) {
    // Without posix-rename@openssh.com, SFTP's rename refuses an existing target: remove it first.
    if (!/not support/i.test(errorMessage(err))) throw err;
    await call<undefined>((cb) => sftp.unlink(to, () => cb(undefined, undefined)));
    await call<undefined>((cb) => sftp.rename(from, to, (e) => cb(e, undefined)));
  }
}

export async function uploadFile(
  client: SshClient,
  upload: Upload,
  workingDir: string | undefined,
  out: HostOutput,
  stop: AbortSignal,
): Promise<CommandRun> {
  const path =
    workingDir === undefined || upload.path.startsWith('/')
      ? upload.path
      : posix.join(workingDir, upload.path);
  const temp = `${path}.tandem-${randomBytes(6).toString('hex')}`;
  let sftp: SFTPWrapper | undefined;
  const onStop = () => sftp?.end();
  stop.addEventListener('abort', onStop, { once: true });
  let written = false;
  try {
    sftp = await openSftp(client);
    if (stop.aborted) throw new Error('stopped');
    const mode =
      upload.mode === undefined
        ? ((await existingMode(sftp, path)) ?? DEFAULT_MODE)
        : parseInt(upload.mode, 8);
    const s = sftp;
    await call<undefined>((cb) =>
      s.writeFile(temp, upload.content, { mode: 0o600 }, (e) => cb(e, undefined)),
    );
    written = true;
    await call<undefined>((cb) => s.chmod(temp, mode, (e) => cb(e, undefined)));
    await replace(s, temp, path);
    written = false;
    const size = Buffer.byteLength(upload.content);
    out.note(`wrote ${size} bytes to ${path} (mode ${mode.toString(8).padStart(4, '0')})`);
    return { exitCode: 0, retryable: true };
  } catch (err: unknown) {
    const s = sftp;
    if (written && s !== undefined && !stop.aborted)
      await call<undefined>((cb) => s.unlink(temp, () => cb(undefined, undefined)));
    if (stop.aborted) {
      const reason = typeof stop.reason === 'string' ? stop.reason : 'cancelled';
      return { exitCode: null, error: reason, retryable: reason !== 'cancelled' };
    }
    return { exitCode: null, error: `cannot write ${path}: ${errorMessage(err)}`, retryable: true };
  } finally {
    stop.removeEventListener('abort', onStop);
    sftp?.end();
  }
}
