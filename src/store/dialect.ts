/**
 * What differs between SQLite and PostgreSQL, as capabilities of one adapter, so that store
 * modules ask "can I skip locked rows?" instead of "am I on PostgreSQL?".
 */
import type { SelectQueryBuilder } from 'kysely';

export interface DialectAdapter {
  readonly name: 'sqlite' | 'postgres';
  /**
   * `SELECT … FOR UPDATE SKIP LOCKED` exists, so several replicas can claim from one queue
   * without waiting on each other. On SQLite a write transaction already excludes every other
   * writer, so claims there are serialised instead.
   */
  readonly skipLocked: boolean;
  /** Wake-ups cross processes (LISTEN/NOTIFY). SQLite's are in-process only. */
  readonly listenNotify: boolean;
  /**
   * A round trip costs more than the work of a statement (a network hop to a server), so hot
   * paths fold several statements into one. SQLite runs in-process: plain statements are cheaper.
   */
  readonly batchStatements: boolean;
  /** Most bind parameters one statement may carry: split bulk inserts to stay below it. */
  readonly maxBindParameters: number;
  /**
   * Lock the selected rows until the transaction ends (and with `skipLocked`, pass over rows
   * another transaction holds). A no-op on SQLite, whose write transaction locks the database.
   */
  readonly forUpdate: <DB, TB extends keyof DB, O>(
    qb: SelectQueryBuilder<DB, TB, O>,
    opts?: { skipLocked?: boolean },
  ) => SelectQueryBuilder<DB, TB, O>;
  /** A failure that trying the whole transaction again may cure (serialization, deadlock, busy). */
  readonly isTransientError: (err: unknown) => boolean;
  /** A unique or primary-key constraint refused the write. */
  readonly isUniqueViolation: (err: unknown) => boolean;
}

/** The `code` of a driver error: SQLSTATE for pg, `SQLITE_*` for better-sqlite3. */
export function driverErrorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') {
    return err.code;
  }
  return undefined;
}

export const sqliteDialect: DialectAdapter = {
  name: 'sqlite',
  skipLocked: false,
  listenNotify: false,
  batchStatements: false,
  // SQLITE_MAX_VARIABLE_NUMBER defaults to 32766 since SQLite 3.32.
  maxBindParameters: 32_766,
  forUpdate: (qb) => qb,
  // SQLITE_BUSY and its extended codes (SQLITE_BUSY_SNAPSHOT, _RECOVERY, _TIMEOUT): another
  // connection held the lock past busy_timeout.
  isTransientError: (err) => driverErrorCode(err)?.startsWith('SQLITE_BUSY') ?? false,
  isUniqueViolation: (err) => {
    const code = driverErrorCode(err);
    return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
  },
};

export const postgresDialect: DialectAdapter = {
  name: 'postgres',
  skipLocked: true,
  listenNotify: true,
  batchStatements: true,
  // The wire protocol counts parameters in an int16.
  maxBindParameters: 65_535,
  forUpdate: (qb, opts) => (opts?.skipLocked ? qb.forUpdate().skipLocked() : qb.forUpdate()),
  // 40001 serialization_failure, 40P01 deadlock_detected.
  isTransientError: (err) => {
    const code = driverErrorCode(err);
    return code === '40001' || code === '40P01';
  },
  // 23505 unique_violation (primary keys included).
  isUniqueViolation: (err) => driverErrorCode(err) === '23505',
};
