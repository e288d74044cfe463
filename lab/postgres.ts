/**
 * The lab's PostgreSQL: a primary in idc-shanghai streaming synchronously to a standby in
 * cloud-hangzhou (so a committed write is on both sites: RPO 0), each a real `postgres` of
 * Debian's package running as user postgres inside its site's namespace.
 */
import { chmodSync, chownSync, existsSync, mkdirSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname } from 'node:path';
import { hostNamed, LAB_PREFIX, PORTS } from './topology.ts';
import { labPath, PG_BIN } from './paths.ts';
import { run, waitFor } from './sh.ts';

export const PRIMARY = 'pg-sh-1';
export const STANDBY = 'pg-hz-1';
/** The database the lab's service writes to, with a counter table for measuring RPO. */
export const APP_DB = 'shop';

const postgresUid = () => Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
const postgresGid = () => Number(execFileSync('id', ['-g', 'postgres']).toString().trim());

export const dataDir = (host: string) => labPath('pg', host);
export const socketDir = (host: string) => labPath('run', host);

function ownedDir(path: string): void {
  // Parents readable by others (postgres must get through them); the folder itself private.
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  for (let dir = dirname(path); dir.startsWith(labPath()); dir = dirname(dir)) chmodSync(dir, 0o755);
  mkdirSync(path, { recursive: true, mode: 0o700 });
  chownSync(path, postgresUid(), postgresGid());
}

/** Settings every lab instance gets; the address is the host's own. */
function instanceSettings(host: string, address: string): string {
  return [
    `listen_addresses = '${address}'`,
    `port = ${PORTS.postgres}`,
    `unix_socket_directories = '${socketDir(host)}'`,
    `shared_buffers = 32MB`,
    `max_connections = 50`,
    `wal_level = replica`,
    `max_wal_senders = 10`,
    `max_replication_slots = 10`,
    `wal_keep_size = 256MB`,
    `hot_standby = on`,
    `wal_log_hints = on`,
    `logging_collector = off`,
    `cluster_name = '${host}'`,
    '',
  ].join('\n');
}

const hba = [
  'local all all trust',
  `host all all 10.77.0.0/${LAB_PREFIX} trust`,
  `host replication all 10.77.0.0/${LAB_PREFIX} trust`,
  '',
].join('\n');

export async function pgCtl(host: string, args: string[]): Promise<void> {
  const { site } = hostNamed(host);
  await run(
    `${PG_BIN}/pg_ctl`,
    ['-D', dataDir(host), '-l', labPath('pg', `${host}.log`), '-w', '-t', '60', ...args],
    {
      ns: site.ns,
      user: 'postgres',
    },
  );
}

/** SQL on an instance through its own socket (inside its namespace). */
export async function psql(
  host: string,
  sql: string,
  db = 'postgres',
  o: { local?: boolean } = {},
): Promise<string> {
  const { site } = hostNamed(host);
  const r = await run(
    'psql',
    ['-h', socketDir(host), '-p', String(PORTS.postgres), '-U', 'postgres', '-d', db, '-XAtqc', sql],
    {
      ns: site.ns,
      user: 'postgres',
      // Until the standby is there a synchronous commit would wait for it forever.
      ...(o.local ? { env: { PGOPTIONS: '-c synchronous_commit=local' } } : {}),
    },
  );
  return r.stdout.trim();
}

export async function isRunning(host: string): Promise<boolean> {
  const { site } = hostNamed(host);
  const r = await run(`${PG_BIN}/pg_ctl`, ['-D', dataDir(host), 'status'], {
    ns: site.ns,
    user: 'postgres',
    allowFail: true,
  });
  return r.code === 0;
}

async function initPrimary(): Promise<void> {
  const { host } = hostNamed(PRIMARY);
  const dir = dataDir(PRIMARY);
  ownedDir(labPath('pg'));
  ownedDir(socketDir(PRIMARY));
  if (!existsSync(`${dir}/PG_VERSION`)) {
    ownedDir(dir);
    await run(
      `${PG_BIN}/initdb`,
      ['-D', dir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-instructions'],
      {
        user: 'postgres',
      },
    );
    appendFileSync(
      `${dir}/postgresql.conf`,
      instanceSettings(PRIMARY, host.address) +
        // Synchronous: a commit returns once the standby in the other site has it (RPO 0).
        `synchronous_standby_names = 'FIRST 1 (${STANDBY.replaceAll('-', '_')})'\nsynchronous_commit = on\n`,
    );
    writeFileSync(`${dir}/pg_hba.conf`, hba);
  }
}

async function initStandby(): Promise<void> {
  const { host } = hostNamed(STANDBY);
  const primary = hostNamed(PRIMARY).host;
  const dir = dataDir(STANDBY);
  ownedDir(socketDir(STANDBY));
  if (existsSync(`${dir}/PG_VERSION`)) return;
  rmSync(dir, { recursive: true, force: true });
  ownedDir(dir);
  const { site } = hostNamed(STANDBY);
  // The base backup crosses the lab network: from the standby's site to the primary's.
  await run(
    `${PG_BIN}/pg_basebackup`,
    [
      '-h',
      primary.address,
      '-p',
      String(PORTS.postgres),
      '-U',
      'postgres',
      '-D',
      dir,
      '-X',
      'stream',
      '-R',
      '-c',
      'fast',
    ],
    { ns: site.ns, user: 'postgres' },
  );
  appendFileSync(
    `${dir}/postgresql.auto.conf`,
    instanceSettings(STANDBY, host.address) +
      `primary_conninfo = 'host=${primary.address} port=${PORTS.postgres} user=postgres application_name=${STANDBY.replaceAll('-', '_')}'\n` +
      // Once promoted it has no standby of its own: it must not wait for one.
      `synchronous_standby_names = ''\n`,
  );
}

export async function postgresUp(): Promise<void> {
  await initPrimary();
  if (!(await isRunning(PRIMARY))) await pgCtl(PRIMARY, ['start']);
  await psql(PRIMARY, `select 1`);
  const hasDb = await psql(PRIMARY, `select count(*) from pg_database where datname = '${APP_DB}'`);
  if (hasDb === '0') await psql(PRIMARY, `create database ${APP_DB}`, 'postgres', { local: true });
  await psql(
    PRIMARY,
    `create table if not exists orders (id bigserial primary key, written_at timestamptz not null default now(), note text);
     create table if not exists write_counter (id int primary key, n bigint not null);
     insert into write_counter values (1, 0) on conflict do nothing;`,
    APP_DB,
    { local: true },
  );
  await initStandby();
  if (!(await isRunning(STANDBY))) await pgCtl(STANDBY, ['start']);
  await waitFor('the standby to stream from the primary', async () => {
    const state = await psql(
      PRIMARY,
      `select sync_state from pg_stat_replication where application_name = '${STANDBY.replaceAll('-', '_')}'`,
    );
    return state === 'sync';
  });
}

export async function postgresDown(): Promise<void> {
  for (const host of [STANDBY, PRIMARY])
    if (await isRunning(host).catch(() => false)) await pgCtl(host, ['stop', '-m', 'fast']).catch(() => {});
}

export async function postgresStatus(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const host of [PRIMARY, STANDBY]) {
    if (!(await isRunning(host).catch(() => false))) {
      out[host] = 'stopped';
      continue;
    }
    const inRecovery = await psql(host, 'select pg_is_in_recovery()').catch(() => '?');
    out[host] = inRecovery === 't' ? 'standby' : inRecovery === 'f' ? 'primary' : 'unreachable';
  }
  return out;
}
