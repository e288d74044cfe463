/**
 * The store: a typed Kysely handle on Tandem's tables plus the few things Kysely does not give,
 * i.e. transactions that retry on contention, and wake-ups delivered only after commit.
 *
 * Glossary:
 * - transaction: one unit of durable state change; every engine transition is exactly one.
 * - notification: a wake-up on a named channel with a short text payload (a run id, say). It is
 *   a hint, never the record: a listener that was disconnected misses it, so every consumer also
 *   polls at some interval.
 * - channel: a short name (`[A-Za-z0-9_.:-]`) such as `steps-ready`; the store prefixes it with
 *   the schema (or `tandem`) so stores in different schemas never hear each other.
 */
import type { Kysely, Transaction } from 'kysely';
import type { DialectAdapter } from './dialect.ts';
import type { Database } from './tables.ts';

export interface Store {
  /** Queries outside a transaction (each statement commits by itself). */
  readonly db: Kysely<Database>;
  readonly dialect: DialectAdapter;
  /**
   * Run `fn` in one transaction; commit when it resolves, roll back when it throws. A
   * serialization failure, a deadlock, SQLITE_BUSY or a retryable `TandemError` with code `conflict`
   * thrown by `fn` runs it again (up to 5 tries, with a short jittered pause), so `fn` must not
   * have effects outside the transaction: put those in `tx.afterCommit`. Do not nest
   * transactions: on SQLite the inner one would wait for the outer one forever.
   */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * Call `handler` with the payload of each notification on `channel` committed from now on
   * (by this process, or on PostgreSQL by any process on the same schema). Resolves when
   * listening is in effect — or, if PostgreSQL is unreachable, when the handler is registered
   * for the reconnect. Returns the function that stops listening.
   */
  listen(channel: string, handler: (payload: string) => void): Promise<() => Promise<void>>;
  /** A channel's name on the wire (prefixed), for a statement that notifies by itself. */
  channel(name: string): string;
  /** Stop listening and close every connection. */
  close(): Promise<void>;
}

/** The transaction handed to `Store.transaction` callbacks. */
export interface Tx {
  readonly db: Transaction<Database>;
  readonly dialect: DialectAdapter;
  /**
   * Send a notification when (and only if) this transaction commits. The same channel and
   * payload twice in one transaction is sent once. PostgreSQL caps payloads at 8000 bytes:
   * send ids, not documents.
   */
  notify(channel: string, payload?: string): void;
  /** Run `fn` after a successful commit (errors are logged, not thrown). */
  afterCommit(fn: () => void): void;
  /**
   * Hand over the notifications asked for so far, to send in the caller's own last statement
   * (saving a round trip). Only where notifications travel through the database (PostgreSQL);
   * elsewhere it answers none and they are delivered after commit as usual.
   */
  takeNotifications(): PendingNotification[];
}

/** A notification waiting for its transaction to commit. Channels here are full (prefixed) names. */
export interface PendingNotification {
  channel: string;
  payload: string;
}

/** How one dialect carries notifications. */
export interface Notifier {
  /** Called inside the transaction just before COMMIT (PostgreSQL sends here). */
  beforeCommit(trx: Transaction<Database>, notes: PendingNotification[]): Promise<void>;
  /** Called after COMMIT succeeded (SQLite delivers here). */
  afterCommit(notes: PendingNotification[]): void;
  listen(channel: string, handler: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export type Log = (msg: string) => void;
