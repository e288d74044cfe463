/** `tandem server` as a real child process, for tests that kill and restart it. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { get } from 'node:https';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const BIN = join(import.meta.dirname, '../../bin/tandem');
export const TEST_TOKEN = 'e2e-admin-token-0123456789abcdef';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      srv.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  output: () => string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export async function startServerProcess(o: {
  port: number;
  dataDir: string;
  env?: Record<string, string>;
  /** Serve HTTPS with these PEM files; health is then checked trusting `ca`. */
  tls?: { cert: string; key: string; ca: string };
}): Promise<ServerProcess> {
  const url = `${o.tls ? 'https' : 'http'}://127.0.0.1:${o.port}`;
  let out = '';
  const args = [BIN, 'server', '--port', String(o.port), '--data', o.dataDir];
  if (o.tls) args.push('--tls-cert', o.tls.cert, '--tls-key', o.tls.key);
  const child = spawn(process.execPath, args, {
    env: { ...process.env, TANDEM_ADMIN_TOKEN: TEST_TOKEN, TANDEM_LOG_LEVEL: 'warn', ...o.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}):\n${out}`);
    try {
      if (o.tls ? await healthyTls(url, o.tls.ca) : (await fetch(`${url}/api/v1/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`server did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    child,
    output: () => out,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** A small API client for tests. */
export function client(url: string, token = TEST_TOKEN) {
  return async (method: string, path: string, body?: unknown, type = 'application/json') => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (body !== undefined) headers['content-type'] = type;
    const res = await fetch(`${url}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers, read field by field
    const json: any = text ? JSON.parse(text) : {};
    return { status: res.status, body: json };
  };
}

function healthyTls(url: string, caFile: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    get(`${url}/api/v1/health`, { ca: readFileSync(caFile) }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    }).on('error', reject);
  });
}
