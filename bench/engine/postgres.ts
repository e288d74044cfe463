/**
 * The PostgreSQL every PostgreSQL target shares: a fresh database per target (dropped after), the
 * server's settings that shape commit cost, and the commit-rate floor.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { now, round } from './stats.ts';

/** The server the benchmark uses; `test` is only where it connects to create its own databases. */
export const benchPgUrl = process.env.TANDEM_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Where the server is, for the report (no user or password). */
export function benchPgWhere(): string {
  const url = new URL(benchPgUrl);
  return url.host;
}

export function urlFor(database: string): string {
  const url = new URL(benchPgUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: benchPgUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export interface BenchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** A fresh, empty database named `bench_<prefix>_<random>`. */
export async function createDatabase(prefix: string): Promise<BenchDatabase> {
  const name = `bench_${prefix}_${randomBytes(4).toString('hex')}`;
  await admin((c) => c.query(`create database "${name}"`));
  return {
    name,
    url: urlFor(name),
    drop: () =>
      // WITH (FORCE) (PostgreSQL 13+): a peer's pool that lingers must not keep the database alive.
      admin((c) => c.query(`drop database if exists "${name}" with (force)`)).then(() => undefined),
  };
}

/** Drop databases a killed earlier run left behind (their names carry the bench_ prefix). */
export async function dropLeftoverDatabases(): Promise<string[]> {
  return admin(async (c) => {
    const { rows } = await c.query<{ datname: string }>(
      `select datname from pg_database where datname like 'bench\\_%' and datname ~ '_[0-9a-f]{8}$'`,
    );
    for (const r of rows) await c.query(`drop database if exists "${r.datname}" with (force)`);
    return rows.map((r) => r.datname);
  });
}

export interface ServerInfo {
  version: string;
  settings: Record<string, string>;
}

export async function serverInfo(): Promise<ServerInfo> {
  return admin(async (c) => {
    const version = (await c.query<{ v: string }>(`select current_setting('server_version') as v`)).rows[0]!
      .v;
    const names = ['synchronous_commit', 'fsync', 'wal_sync_method', 'shared_buffers', 'max_connections'];
    const { rows } = await c.query<{ name: string; setting: string; unit: string | null }>(
      'select name, setting, unit from pg_settings where name = any($1)',
      [names],
    );
    const settings = Object.fromEntries(
      rows.map((r) => [r.name, r.unit ? `${r.setting} ${r.unit}` : r.setting]),
    );
    return { version, settings };
  });
}

export interface FloorResult {
  commitsPerSec: number;
  commits: number;
  seconds: number;
  /** Per-commit round trip, in ms. */
  p50Ms: number;
}

/**
 * The floor: single-row INSERTs, each its own transaction (autocommit: INSERT and COMMIT in one
 * round trip, one WAL flush), in a loop on one connection for `seconds`.
 */
export async function commitFloor(seconds: number): Promise<FloorResult> {
  const db = await createDatabase('floor');
  const client = new pg.Client({ connectionString: db.url });
  try {
    await client.connect();
    await client.query('create table floor (id bigserial primary key, at bigint not null, note text)');
    const insert = { name: 'floor-insert', text: 'insert into floor (at, note) values ($1, $2)' };
    for (let i = 0; i < 50; i++) await client.query({ ...insert, values: [Date.now(), 'warm-up'] });
    const samples: number[] = [];
    const start = now();
    const end = start + seconds * 1000;
    let t = start;
    while (t < end) {
      await client.query({ ...insert, values: [Date.now(), 'floor'] });
      const after = now();
      samples.push(after - t);
      t = after;
    }
    const elapsed = (t - start) / 1000;
    samples.sort((a, b) => a - b);
    return {
      commitsPerSec: round(samples.length / elapsed, 1),
      commits: samples.length,
      seconds: round(elapsed),
      p50Ms: round(samples[Math.floor(samples.length / 2)] ?? Number.NaN),
    };
  } finally {
    await client.end().catch(() => undefined);
    await db.drop();
  }
}
