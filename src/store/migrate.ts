/**
 * Bring the schema up to date: every pending migration and its bookkeeping row in ONE
 * transaction, so a crash leaves the schema either before or after, never half-way.
 *
 * Kysely's own Migrator is not used: on SQLite it runs migrations outside a transaction and
 * without a lock, so a crash mid-migration leaves a half-made schema and two processes starting
 * together race. Here the lock is the transaction itself on SQLite (BEGIN IMMEDIATE holds the
 * write lock) and a transaction-scoped advisory lock per schema on PostgreSQL.
 */
import { sql, type Kysely } from 'kysely';
import { TandemError } from '../core/errors.ts';
import { migrations as allMigrations, type Migration } from './migrations/index.ts';
import type { Log, Store } from './store.ts';

export const MIGRATIONS_TABLE = 'tandem_migrations';

// A type alias, not an interface: withTables() wants an index-signature-compatible record.
type MigrationsTable = { tandem_migrations: { name: string; applied_at: number } };

/** Apply the pending migrations; returns the names of those applied now. */
export async function migrate(
  store: Pick<Store, 'transaction' | 'dialect'>,
  opts: { schema?: string; log: Log; migrations?: readonly Migration[] },
): Promise<string[]> {
  const migrations = opts.migrations ?? allMigrations;
  const { dialect } = store;
  const applied = await store.transaction(async (tx) => {
    const db = tx.db.withTables<MigrationsTable>();
    if (dialect.name === 'postgres') {
      // Two servers starting together: the second waits here, then finds nothing to do.
      const lockKey = `tandem.migrate:${opts.schema ?? ''}`;
      await sql`select pg_advisory_xact_lock(hashtextextended(${lockKey}, 0))`.execute(db);
      // Look before creating: CREATE SCHEMA IF NOT EXISTS needs the CREATE privilege on the
      // database even when the schema exists, which a least-privileged role may not have.
      if (opts.schema !== undefined) {
        const found = await sql`select 1 from pg_namespace where nspname = ${opts.schema}`.execute(db);
        if (found.rows.length === 0) await sql`create schema ${sql.id(opts.schema)}`.execute(db);
      }
    }
    await db.schema
      .createTable(MIGRATIONS_TABLE)
      .ifNotExists()
      .addColumn('name', 'text', (col) => col.notNull().primaryKey())
      .addColumn('applied_at', dialect.name === 'postgres' ? 'bigint' : 'integer', (col) => col.notNull())
      .execute();
    const done = new Set((await db.selectFrom(MIGRATIONS_TABLE).select('name').execute()).map((r) => r.name));
    const unknown = [...done].filter((name) => !migrations.some((m) => m.name === name));
    if (unknown.length > 0) {
      throw new TandemError(
        'unavailable',
        `the database was migrated by a newer Tandem (migrations ${unknown.join(', ')} are unknown here): run that version or a later one`,
      );
    }
    const pending = migrations.filter((m) => !done.has(m.name));
    const firstPending = migrations.findIndex((m) => !done.has(m.name));
    if (firstPending >= 0 && migrations.slice(firstPending).some((m) => done.has(m.name))) {
      throw new TandemError(
        'internal',
        `migration ${migrations[firstPending]!.name} is pending but later ones were applied: migrations must only be appended`,
      );
    }
    for (const migration of pending) {
      await migration.up(db as unknown as Kysely<unknown>, dialect);
      await db
        .insertInto(MIGRATIONS_TABLE)
        .values({ name: migration.name, applied_at: Date.now() })
        .execute();
    }
    return pending.map((m) => m.name);
  });
  for (const name of applied) opts.log(`store: applied migration ${name}`);
  return applied;
}
