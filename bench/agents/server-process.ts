/**
 * `tandem server` as a child process of its own (so its RSS and CPU can be read from /proc),
 * on a fresh SQLite data folder or on a fresh schema of the benchmark PostgreSQL.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { excerpt } from '../engine/child.ts';
import { benchPgUrl } from '../engine/postgres.ts';
import { sleep, waitUntil, withTimeout } from '../engine/stats.ts';

const bin = fileURLToPath(new URL('../../bin/tandem', import.meta.url));
/** Schemas this benchmark creates are named so; one a killed run left behind is dropped next time. */
const SCHEMA_PREFIX = 'bench_agents_';

export interface ServerProcess {
  url: string;
  pid: number;
  adminToken: string;
  /** What the server printed (its log at warn level and above). */
  output(): string;
  /** SIGTERM (the server closes cleanly, and writes its CPU profile if asked), then SIGKILL. */
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const address = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

export async function startServerProcess(o: {
  dataDir: string;
  pgSchema?: string;
  /** Write a V8 CPU profile of the server here (`node --cpu-prof`). */
  profileDir?: string;
}): Promise<ServerProcess> {
  const port = await freePort();
  const adminToken = `tdm_bench_${randomBytes(16).toString('hex')}`;
  const env: NodeJS.ProcessEnv = { ...process.env, TANDEM_ADMIN_TOKEN: adminToken, TANDEM_LOG_LEVEL: 'warn' };
  delete env.DATABASE_URL;
  delete env.TANDEM_PG_SCHEMA;
  if (o.pgSchema !== undefined)
    Object.assign(env, { DATABASE_URL: benchPgUrl, TANDEM_PG_SCHEMA: o.pgSchema });
  const flags = o.profileDir ? ['--cpu-prof', '--cpu-prof-dir', o.profileDir] : [];
  const args = [...flags, bin, 'server', '--port', String(port), '--data', o.dataDir];
  const child = spawn(process.execPath, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const alive = () => child.exitCode === null && child.signalCode === null;
  const url = `http://127.0.0.1:${port}`;
  let stopping: Promise<void> | undefined;
  const server: ServerProcess = {
    url,
    pid: child.pid!,
    adminToken,
    output: () => excerpt(output),
    stop() {
      stopping ??= (async () => {
        if (!alive()) return;
        child.kill('SIGTERM');
        await withTimeout('the server to stop', exited, 15_000).catch(() => {
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            // Already gone.
          }
        });
      })();
      return stopping;
    },
  };
  try {
    await waitUntil(
      'the server to answer /api/v1/health',
      async () => {
        if (!alive()) throw new Error(`the server exited: ${excerpt(output)}`);
        return fetch(`${url}/api/v1/health`).then(
          (r) => r.ok,
          () => false,
        );
      },
      60_000,
      100,
    );
  } catch (err: unknown) {
    await server.stop();
    throw err;
  }
  return server;
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: benchPgUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A fresh schema for the server's tables; returns its name and the function that drops it. */
export async function createSchema(): Promise<{
  name: string;
  leftovers: string[];
  drop: () => Promise<void>;
}> {
  const name = `${SCHEMA_PREFIX}${randomBytes(4).toString('hex')}`;
  const leftovers = await admin(async (c) => {
    const { rows } = await c.query<{ n: string }>(
      `select nspname as n from pg_namespace where nspname like 'bench\\_agents\\_%' and nspname ~ '_[0-9a-f]{8}$'`,
    );
    for (const r of rows) await c.query(`drop schema if exists "${r.n}" cascade`);
    await c.query(`create schema "${name}"`);
    return rows.map((r) => r.n);
  });
  const drop = async () => {
    // The server's pool may still be closing: a lock on a table would make DROP wait; retry briefly.
    for (let i = 0; ; i++) {
      try {
        await admin((c) => c.query(`drop schema if exists "${name}" cascade`));
        return;
      } catch (err: unknown) {
        if (i >= 4) throw err;
        await sleep(500);
      }
    }
  };
  return { name, leftovers, drop };
}
