/** Runs get a version, bumped by every write, so a transition may be written without a lock. */
import type { Kysely } from 'kysely';
import type { Migration } from './migration.ts';

export const runVersion: Migration = {
  name: '0003-run-version',
  async up(db: Kysely<unknown>) {
    await db.schema
      .alterTable('runs')
      .addColumn('version', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
  },
};
