/**
 * The store: Tandem's tables behind Kysely, on SQLite (embedded) or PostgreSQL.
 * Other folders import from here only.
 */
export { openStore, type OpenStoreOptions } from './open.ts';
export type { Store, Tx } from './store.ts';
export type { DialectAdapter } from './dialect.ts';
export { MAX_TRANSACTION_ATTEMPTS } from './transaction.ts';
export { uuidv7, createUuidV7, randomToken } from './ids.ts';
export { dumpSchema } from './schema-dump.ts';
export type * from './tables.ts';
export * from './runs.ts';
export * from './runbooks.ts';
export * from './timers.ts';
export * from './run-events.ts';
export * from './tasks.ts';
export * from './attachments.ts';
export * from './comments.ts';
export * from './concurrency.ts';
export * from './queue.ts';
export * from './step-logs.ts';
export * from './sites.ts';
export * from './agents.ts';
export * from './known-hosts.ts';
export * from './batch-write.ts';
export * from './principals.ts';
export * from './audit.ts';
export * from './users.ts';
export * from './teams.ts';
export * from './api-tokens.ts';
export * from './sessions.ts';
export * from './estate.ts';
export * from './estate-write.ts';
