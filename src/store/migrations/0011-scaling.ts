/**
 * Scaling policies: the policies as applied, the state each keeps between evaluations (with the
 * lease that makes one replica evaluate a policy at a time), and every decision recorded.
 */
import type { Kysely } from 'kysely';
import type { Migration } from './migration.ts';

export const scaling: Migration = {
  name: '0011-scaling',
  async up(db: Kysely<unknown>, dialect) {
    const pg = dialect.name === 'postgres';
    const time = pg ? 'bigint' : 'integer';
    const real = pg ? 'double precision' : 'real';

    await db.schema
      .createTable('scaling_policies')
      .addColumn('name', 'text', (c) => c.notNull().primaryKey())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('definition', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text')
      .addColumn('created_at', time, (c) => c.notNull())
      .addColumn('updated_at', time, (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('scaling_state')
      .addColumn('policy', 'text', (c) => c.notNull().primaryKey())
      .addColumn('instances', 'integer', (c) => c.notNull())
      .addColumn('condition', 'text')
      .addColumn('condition_since', time)
      .addColumn('last_action_at', time)
      .addColumn('pending_action', 'text')
      .addColumn('pending_run_id', 'text')
      .addColumn('pending_since', time)
      .addColumn('last_value', real)
      .addColumn('last_error', 'text')
      .addColumn('last_evaluated_at', time)
      .addColumn('last_decision', 'text')
      .addColumn('next_evaluation_at', time, (c) => c.notNull())
      .addColumn('lease_owner', 'text')
      .addColumn('lease_until', time)
      .execute();
    await db.schema
      .createIndex('scaling_state_next_idx')
      .on('scaling_state')
      .columns(['next_evaluation_at'])
      .execute();

    await db.schema
      .createTable('scaling_decisions')
      .addColumn('id', 'text', (c) => c.notNull().primaryKey())
      .addColumn('policy', 'text', (c) => c.notNull())
      .addColumn('policy_version', 'integer', (c) => c.notNull())
      .addColumn('decision', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('value', real)
      .addColumn('instances', 'integer', (c) => c.notNull())
      .addColumn('run_id', 'text')
      .addColumn('details', 'text', (c) => c.notNull())
      .addColumn('created_at', time, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('scaling_decisions_policy_idx')
      .on('scaling_decisions')
      .columns(['policy', 'created_at'])
      .execute();
  },
};
