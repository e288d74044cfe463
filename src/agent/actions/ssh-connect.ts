/**
 * Opening an SSH connection for a step: strict host key checking against the site's known
 * hosts, and only the credentials the step gives (never the agent's own keys or ssh-agent).
 */
import ssh2 from 'ssh2';
import type { Client as SshClient } from 'ssh2';
import type { RemoteHost, RemoteLogin } from '../../core/engine/index.ts';
import { TandemError, errorMessage } from '../../core/errors.ts';
import { hostKeyAlgorithms, hostKeyProblem, hostLabel } from './host-keys.ts';

const { Client, utils } = ssh2;

/** Keepalives every 15 s, 4 unanswered: a host that vanished fails within a minute. */
const KEEPALIVE_MS = 15_000;
const KEEPALIVE_MAX = 4;

/** Why the step's credentials cannot be used, or undefined when they can. */
export function credentialProblem(login: RemoteLogin): string | undefined {
  if (login.key === undefined && login.password === undefined)
    return (
      'no key and no password given: set key: ${{ secrets.NAME }} (or password:). ' +
      "The agent's own keys and ssh-agent are never used."
    );
  if (login.key === undefined) return undefined;
  const parsed = utils.parseKey(login.key);
  if (parsed instanceof Error) return `the key is not a private key (OpenSSH or PEM): ${parsed.message}`;
  if (!parsed.isPrivateKey()) return 'the key is a public key; give the private key';
  return undefined;
}

function connectError(err: unknown, login: RemoteLogin, target: RemoteHost): TandemError {
  const level = (err as { level?: unknown }).level;
  const message = errorMessage(err);
  if (level === 'client-authentication')
    return new TandemError('unauthorized', `authentication as ${login.user} failed (${message})`);
  if (/host key|no matching/i.test(message) && hostKeyAlgorithms(login.knownHosts, target))
    return new TandemError(
      'forbidden',
      `${hostLabel(target)} offers none of the host key types the site trusts for it (${message})`,
    );
  return new TandemError('unavailable', `cannot connect: ${message}`, { retryable: true });
}

/**
 * A connected, authenticated client, or a `TandemError` (retryable when trying again may help:
 * a refused connection or a timeout, not a refused host key or login).
 */
export function connectSsh(login: RemoteLogin, target: RemoteHost, stop: AbortSignal): Promise<SshClient> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    let keyProblem: string | undefined;
    let settled = false;
    const settle = (err?: TandemError) => {
      if (settled) return;
      settled = true;
      stop.removeEventListener('abort', onAbort);
      if (err === undefined) return resolve(client);
      client.destroy();
      reject(err);
    };
    const onAbort = () => settle(new TandemError('unavailable', 'stopped'));
    if (stop.aborted) return onAbort();
    stop.addEventListener('abort', onAbort, { once: true });
    client.on('ready', () => settle());
    // A refused host key says why, whether ssh2 reports it as an error or only closes.
    const refused = () => (keyProblem === undefined ? undefined : new TandemError('forbidden', keyProblem));
    client.on('error', (err: unknown) => settle(refused() ?? connectError(err, login, target)));
    client.on('close', () =>
      settle(refused() ?? new TandemError('unavailable', 'the connection closed', { retryable: true })),
    );
    // Some servers take passwords only through keyboard-interactive: answer every prompt with it.
    client.on('keyboard-interactive', (_name, _instructions, _lang, prompts, finish) =>
      finish(prompts.map(() => login.password ?? '')),
    );
    const algorithms = hostKeyAlgorithms(login.knownHosts, target);
    try {
      client.connect({
        host: target.host,
        port: target.port,
        username: login.user,
        ...(login.key === undefined ? {} : { privateKey: login.key }),
        ...(login.password === undefined ? {} : { password: login.password }),
        tryKeyboard: login.password !== undefined,
        readyTimeout: login.connectTimeoutMs,
        keepaliveInterval: KEEPALIVE_MS,
        keepaliveCountMax: KEEPALIVE_MAX,
        hostVerifier: (key: Buffer): boolean => {
          keyProblem = hostKeyProblem(login.knownHosts, target, login.site, key);
          return keyProblem === undefined;
        },
        ...(algorithms ? { algorithms: { serverHostKey: algorithms } } : {}),
      });
    } catch (err: unknown) {
      settle(new TandemError('invalid_input', `cannot connect: ${errorMessage(err)}`));
    }
  });
}

/**
 * The host key a host shows, by a handshake alone (no login), offering the key types the site
 * trusts for it first as OpenSSH does; undefined when the host cannot be reached.
 */
export function scanHostKey(login: RemoteLogin, target: RemoteHost): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const client = new Client();
    let key: Buffer | undefined;
    const done = () => {
      client.destroy();
      resolve(key);
    };
    client.on('error', done);
    client.on('close', done);
    client.on('ready', done);
    const algorithms = hostKeyAlgorithms(login.knownHosts, target);
    try {
      client.connect({
        host: target.host,
        port: target.port,
        username: login.user,
        readyTimeout: login.connectTimeoutMs,
        hostVerifier: (blob: Buffer): boolean => {
          key = blob;
          return false;
        },
        ...(algorithms ? { algorithms: { serverHostKey: algorithms } } : {}),
      });
    } catch {
      done();
    }
  });
}
