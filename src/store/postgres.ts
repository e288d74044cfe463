/** The PostgreSQL store: a pool for queries, a dedicated connection for LISTEN. */
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { errorMessage, TandemError } from '../core/errors.ts';
import { PgListener } from './pg-listener.ts';
import type { Log, Notifier } from './store.ts';
import type { Database } from './tables.ts';

/** 10 connections per replica: a few replicas stay well under PostgreSQL's default 100. */
const DEFAULT_POOL_MAX = 10;
const CONNECT_TIMEOUT_MS = 10_000;
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const INT8_OID = 20; // pg_type.oid of int8

/**
 * int8 (bigint: our times in ms and identity ids) as a JS number instead of pg's default string.
 * Milliseconds stay exact until the year 287,396; a value past 2^53 throws rather than rounds.
 */
function parseInt8(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) {
    throw new TandemError('internal', `bigint ${text} is too large for a JavaScript number`);
  }
  return value;
}

// Per pool, not pg.types.setTypeParser: that would change every pg user in the process.
const typeParsers = new pg.TypeOverrides();
typeParsers.setTypeParser(INT8_OID, parseInt8);

export function assertSchemaName(schema: string): void {
  if (!SCHEMA_NAME.test(schema)) {
    throw new TandemError(
      'invalid_input',
      `invalid schema name "${schema}": use [a-z0-9_], at most 63 characters`,
      {
        details: [{ path: 'schema', message: 'must match [a-z_][a-z0-9_]*' }],
      },
    );
  }
}

function poolMax(): number {
  const raw = process.env.TANDEM_PG_POOL_MAX;
  if (raw === undefined || raw === '') return DEFAULT_POOL_MAX;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    throw new TandemError('invalid_input', `TANDEM_PG_POOL_MAX must be a positive integer, not "${raw}"`);
  }
  return value;
}

export interface PostgresHandle {
  db: Kysely<Database>;
  listenerConfig: pg.ClientConfig;
}

export async function openPostgres(
  url: string,
  schema: string | undefined,
  log: Log,
): Promise<PostgresHandle> {
  if (schema !== undefined) assertSchemaName(schema);
  const pool = new pg.Pool({
    connectionString: url,
    max: poolMax(),
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    application_name: 'tandem',
    // Every pooled connection resolves unqualified names in the schema (created by the first
    // migration transaction when missing). The name is checked above, so it needs no quoting.
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
    types: typeParsers,
  });
  // An idle connection that dies (server restart, failover) emits 'error' on the pool; without
  // a handler that would crash the process. The next query simply gets a new connection.
  pool.on('error', (err) => {
    log(`store: idle PostgreSQL connection failed: ${errorMessage(err)}`);
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    await sql`select 1`.execute(db);
  } catch (err: unknown) {
    await db.destroy();
    throw new TandemError('unavailable', `cannot connect to PostgreSQL: ${errorMessage(err)}`, {
      cause: err,
      retryable: true,
    });
  }
  return {
    db,
    listenerConfig: {
      connectionString: url,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      application_name: `tandem-listen:${schema ?? 'tandem'}`,
      // TCP keep-alive notices a half-open connection (a failover that never sent a FIN);
      // without it the listener would wait for notifications forever.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    },
  };
}

export function createPgNotifier(listenerConfig: pg.ClientConfig, log: Log): Notifier {
  const listener = new PgListener(listenerConfig, log);
  return {
    async beforeCommit(trx, notes) {
      // One round trip for all of them; delivered by PostgreSQL at COMMIT, dropped on rollback.
      const channels = notes.map((n) => n.channel);
      const payloads = notes.map((n) => n.payload);
      await sql`select pg_notify(c, p) from unnest(${channels}::text[], ${payloads}::text[]) as n(c, p)`.execute(
        trx,
      );
    },
    afterCommit: () => undefined,
    listen: (channel, handler) => listener.listen(channel, handler),
    close: () => listener.close(),
  };
}
