/** The embedded SQLite store: one file, one connection per process, in-process wake-ups. */
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import {
  CompiledQuery,
  Kysely,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
  type SqliteDialectConfig,
} from 'kysely';
import { errorMessage } from '../core/errors.ts';
import type { Log, Notifier, PendingNotification } from './store.ts';
import type { Database } from './tables.ts';

/** Waiting 5 s for another writer (a CLI command on the same file, say) before SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5000;

/**
 * Kysely's SQLite driver begins transactions with a plain (deferred) BEGIN, which takes the
 * write lock only at the first write; a transaction that read first then fails at once with
 * SQLITE_BUSY when another connection wrote meanwhile, without waiting for busy_timeout.
 * BEGIN IMMEDIATE takes the write lock up front, so a writer waits its turn instead.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
}

export interface SqliteHandle {
  db: Kysely<Database>;
  file: string;
}

export function openSqlite(dataDir: string): SqliteHandle {
  mkdirSync(dataDir, { recursive: true });
  const file = resolve(dataDir, 'tandem.db');
  const sqlite = new SqliteDatabase(file);
  try {
    sqlite.pragma('journal_mode = WAL');
    // NORMAL in WAL mode: a commit is durable against a crash of the process (the WAL is in the
    // OS page cache) but the last transactions may be lost on power loss or a kernel crash,
    // because the WAL is fsynced only at checkpoints. FULL fsyncs every commit (a few ms each on
    // ordinary disks); TANDEM_SQLITE_SYNC=full chooses it where power loss must lose nothing.
    const full = process.env.TANDEM_SQLITE_SYNC?.toLowerCase() === 'full';
    sqlite.pragma(`synchronous = ${full ? 'FULL' : 'NORMAL'}`);
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  } catch (err: unknown) {
    sqlite.close();
    throw err;
  }
  const database = withStatementCache(sqlite);
  return { db: new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database }) }), file };
}

/** Statements kept prepared: the hot paths use a few dozen distinct texts. */
const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely's SQLite driver prepares every statement on every execution, which cost about a sixth
 * of the CPU of a step. The same text always compiles to the same statement: keep them prepared
 * (least recently used dropped first). Safe because Kysely runs each statement to completion
 * (`all`/`run`) before the next on this single connection.
 */
function withStatementCache(sqlite: SqliteDatabase.Database): SqliteDatabase.Database {
  const cache = new Map<string, SqliteDatabase.Statement>();
  const prepare = sqlite.prepare.bind(sqlite);
  return new Proxy(sqlite, {
    get(target, prop, receiver) {
      if (prop !== 'prepare') {
        // Native methods check their receiver: call them on the database itself.
        const value = Reflect.get(target, prop, receiver) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      }
      return (source: string) => {
        let stmt = cache.get(source);
        if (stmt) {
          cache.delete(source);
        } else {
          stmt = prepare(source);
          if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
        }
        cache.set(source, stmt);
        return stmt;
      };
    },
  });
}

/**
 * Stores opened on the same file in this process share one emitter, so they hear each other as
 * replicas on PostgreSQL do. Counted so the last close removes it.
 */
const emitters = new Map<string, { emitter: EventEmitter; refs: number }>();

export function createSqliteNotifier(file: string, log: Log): Notifier {
  let entry = emitters.get(file);
  if (!entry) {
    const emitter = new EventEmitter();
    emitter.setMaxListeners(0);
    entry = { emitter, refs: 0 };
    emitters.set(file, entry);
  }
  entry.refs++;
  const { emitter } = entry;
  const unsubscribers = new Set<() => void>();
  let closed = false;

  return {
    beforeCommit: () => Promise.resolve(),
    afterCommit(notes: PendingNotification[]) {
      for (const note of notes) emitter.emit(note.channel, note.payload);
    },
    listen(channel, handler) {
      if (closed) return Promise.reject(new Error('store closed'));
      const wrapped = (payload: string): void => {
        try {
          handler(payload);
        } catch (err: unknown) {
          log(`store: a listener of ${channel} failed: ${errorMessage(err)}`);
        }
      };
      emitter.on(channel, wrapped);
      const unsubscribe = (): void => {
        emitter.off(channel, wrapped);
        unsubscribers.delete(unsubscribe);
      };
      unsubscribers.add(unsubscribe);
      return Promise.resolve(() => {
        unsubscribe();
        return Promise.resolve();
      });
    },
    close() {
      if (closed) return Promise.resolve();
      closed = true;
      for (const unsubscribe of [...unsubscribers]) unsubscribe();
      const current = emitters.get(file);
      if (current && --current.refs === 0) emitters.delete(file);
      return Promise.resolve();
    },
  };
}
