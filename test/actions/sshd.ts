/**
 * Real OpenSSH servers for the action tests: Debian's `/usr/sbin/sshd` on a free loopback port,
 * with a generated host key and an authorized user key in a temp dir, logging in the current
 * user (root in CI, allowed by key only). Missing programs fail the test: they are installed by
 * .ci/run, never skipped.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import type { KnownHost } from '../../src/core/engine/index.ts';

const run = promisify(execFile);
export const SSHD = '/usr/sbin/sshd';
const INSTALL = 'run the install step of .ci/run (apt-get install -y openssh-server ansible)';

/** Fails, saying how to install it, when `program` (a path or a name on PATH) is missing. */
export async function requireProgram(program: string): Promise<void> {
  const candidates = program.includes('/')
    ? [program]
    : (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, program));
  for (const path of candidates) {
    try {
      await access(path, constants.X_OK);
      return;
    } catch {
      // Not this one.
    }
  }
  throw new Error(`${program} is not installed: ${INSTALL}`);
}

/** Command lines of this machine's processes that contain `text` (the sshd are local). */
export async function processesMatching(text: string): Promise<string[]> {
  const { stdout } = await run('ps', ['-eo', 'args']);
  return stdout.split('\n').filter((line) => line.includes(text) && !line.startsWith('ps '));
}

export interface KeyPair {
  privateKey: string;
  /** `type base64`, as in authorized_keys and known_hosts. */
  publicKey: string;
  /** As `ssh-keygen -l` shows it: `SHA256:…`. */
  fingerprint: string;
}

/** A fresh ed25519 key pair made by ssh-keygen. */
export async function generateKey(dir: string, name: string): Promise<KeyPair> {
  await requireProgram('ssh-keygen');
  const file = join(dir, name);
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', file]);
  const [type, base64] = (await readFile(`${file}.pub`, 'utf8')).split(' ');
  const { stdout } = await run('ssh-keygen', ['-l', '-f', `${file}.pub`]);
  return {
    privateKey: await readFile(file, 'utf8'),
    publicKey: `${type!} ${base64!}`,
    fingerprint: stdout.split(' ')[1]!,
  };
}

export interface Sshd {
  port: number;
  hostKey: KeyPair;
  /** The entry a site would hold for this server. */
  knownHost: KnownHost;
  user: string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Starts sshd -D -e and waits for "Server listening"; rejects with its output otherwise. */
function launch(config: string): Promise<{ child: ChildProcess; output: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(SSHD, ['-D', '-e', '-f', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => fail(new Error(`sshd did not start within 10 s:\n${out}`)), 10_000);
    const fail = (err: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(err);
    };
    const onData = (b: Buffer) => {
      out += b.toString();
      if (/Server listening on 127\.0\.0\.1/.test(out)) {
        clearTimeout(timer);
        resolve({ child, output: () => out });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => fail(new Error(`sshd exited (${String(code)}):\n${out}`)));
    child.once('error', fail);
  });
}

/** An sshd on a free 127.0.0.1 port that lets the current user in with `userKey`. */
export async function startSshd(userKey: KeyPair): Promise<Sshd> {
  await requireProgram(SSHD);
  const dir = await mkdtemp(join(tmpdir(), 'tandem-sshd-'));
  const hostKey = await generateKey(dir, 'host_ed25519');
  await writeFile(join(dir, 'authorized_keys'), `${userKey.publicKey}\n`, { mode: 0o600 });
  // Run as root, sshd wants its privilege separation directory (systemd makes it at boot).
  if (process.getuid?.() === 0) await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
  let lastError: unknown;
  for (let tries = 0; tries < 5; tries++) {
    const port = await freePort();
    const config = join(dir, 'sshd_config');
    await writeFile(
      config,
      [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${join(dir, 'host_ed25519')}`,
        `PidFile ${join(dir, 'sshd.pid')}`,
        `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
        'UsePAM no',
        'StrictModes no',
        'PermitRootLogin prohibit-password',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'MaxStartups 100',
        'MaxSessions 50',
        'Subsystem sftp internal-sftp',
        '',
      ].join('\n'),
    );
    try {
      const { child } = await launch(config);
      const [keyType, publicKey] = hostKey.publicKey.split(' ') as [string, string];
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      return {
        port,
        hostKey,
        knownHost: { host: '127.0.0.1', port, keyType, publicKey },
        user: userInfo().username,
        async stop() {
          child.kill('SIGTERM');
          await exited;
          await rm(dir, { recursive: true, force: true });
        },
      };
    } catch (err: unknown) {
      lastError = err; // Another process took the port in between: try another.
    }
  }
  throw lastError;
}
