/**
 * PostgreSQL: `tandem_conflict(text)` raises SQLSTATE TD001, so a single statement whose
 * conditional writes did not all apply rolls back whole (a named error, not a trick).
 */
import { sql, type Kysely } from 'kysely';
import type { Migration } from './migration.ts';

export const conflictFunction: Migration = {
  name: '0004-conflict-function',
  async up(db: Kysely<unknown>, dialect) {
    if (dialect.name !== 'postgres') return;
    await sql`
      create function tandem_conflict(what text) returns integer language plpgsql as $$
      begin
        raise exception 'conflict: %', what using errcode = 'TD001';
      end $$`.execute(db);
  },
};
