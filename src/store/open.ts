/** Open the store named by the configuration: an SQLite file, or PostgreSQL when given a URL. */
import type { Kysely } from 'kysely';
import { TandemError } from '../core/errors.ts';
import { fullChannelName } from './channel.ts';
import { postgresDialect, sqliteDialect, type DialectAdapter } from './dialect.ts';
import { migrate } from './migrate.ts';
import { createPgNotifier, openPostgres } from './postgres.ts';
import { createSqliteNotifier, openSqlite } from './sqlite.ts';
import type { Log, Notifier, Store } from './store.ts';
import type { Database } from './tables.ts';
import { runTransaction } from './transaction.ts';

export interface OpenStoreOptions {
  /** `postgres://…` or `postgresql://…`; without it, SQLite in `dataDir`. */
  databaseUrl?: string;
  /** Tandem's data folder; holds `tandem.db` when the store is SQLite (created if missing). */
  dataDir: string;
  /** PostgreSQL only: keep every table in this schema (created if missing). Tests isolate themselves so. */
  schema?: string;
  log?: Log;
}

/** Open the store and apply pending migrations (safe when several servers start together). */
export async function openStore(opts: OpenStoreOptions): Promise<Store> {
  const log: Log = opts.log ?? (() => undefined);
  const url = opts.databaseUrl;
  if (url !== undefined && url !== '' && !/^postgres(ql)?:\/\//.test(url)) {
    throw new TandemError('invalid_input', 'the database URL must start with postgres:// or postgresql://', {
      details: [{ path: 'databaseUrl', message: 'unsupported scheme' }],
    });
  }
  let parts: { db: Kysely<Database>; dialect: DialectAdapter; notifier: Notifier };
  if (url === undefined || url === '') {
    if (opts.schema !== undefined) {
      throw new TandemError('invalid_input', 'the schema option applies to PostgreSQL only');
    }
    const { db, file } = openSqlite(opts.dataDir);
    parts = { db, dialect: sqliteDialect, notifier: createSqliteNotifier(file, log) };
  } else {
    const { db, listenerConfig } = await openPostgres(url, opts.schema, log);
    parts = { db, dialect: postgresDialect, notifier: createPgNotifier(listenerConfig, log) };
  }
  const store = assembleStore({ ...parts, channelPrefix: opts.schema ?? 'tandem', log });
  try {
    await migrate(store, { schema: opts.schema, log });
  } catch (err: unknown) {
    await store.close();
    throw err;
  }
  return store;
}

function assembleStore(deps: {
  db: Kysely<Database>;
  dialect: DialectAdapter;
  notifier: Notifier;
  channelPrefix: string;
  log: Log;
}): Store {
  let closing: Promise<void> | undefined;
  return {
    db: deps.db,
    dialect: deps.dialect,
    transaction: (fn) => runTransaction(deps, fn),
    channel: (name) => fullChannelName(deps.channelPrefix, name),
    async listen(channel, handler) {
      return await deps.notifier.listen(fullChannelName(deps.channelPrefix, channel), handler);
    },
    close() {
      closing ??= (async () => {
        await deps.notifier.close();
        await deps.db.destroy();
      })();
      return closing;
    },
  };
}
