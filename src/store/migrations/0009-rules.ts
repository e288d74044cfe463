/**
 * Automation rules and runbook schedules: the rules as applied, the queue of events waiting for
 * evaluation, every decision a rule made (firings), the per-alert-group locks that keep a rule
 * from starting two runs for one group, change freezes, and cron schedules with one row per
 * claimed fire time.
 */
import type { Kysely } from 'kysely';
import type { Migration } from './migration.ts';

export const rules: Migration = {
  name: '0009-rules',
  async up(db: Kysely<unknown>, dialect) {
    const pg = dialect.name === 'postgres';
    const time = pg ? 'bigint' : 'integer';
    const index = (name: string, table: string, columns: string[]) =>
      db.schema.createIndex(name).on(table).columns(columns).execute();

    await db.schema
      .createTable('rules')
      .addColumn('name', 'text', (c) => c.notNull().primaryKey())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('definition', 'text', (c) => c.notNull())
      .addColumn('enabled', 'integer', (c) => c.notNull())
      .addColumn('created_by', 'text')
      .addColumn('created_at', time, (c) => c.notNull())
      .addColumn('updated_at', time, (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('rule_queue')
      .addColumn('id', pg ? 'bigint' : 'integer', (c) =>
        pg ? c.primaryKey().generatedByDefaultAsIdentity() : c.notNull().primaryKey(),
      )
      .addColumn('event_id', 'text', (c) => c.notNull())
      .addColumn('incident_id', 'text')
      .addColumn('enqueued_at', time, (c) => c.notNull())
      .addColumn('available_at', time, (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('last_error', 'text')
      .execute();
    await index('rule_queue_available_idx', 'rule_queue', ['available_at', 'id']);

    await db.schema
      .createTable('rule_firings')
      .addColumn('id', 'text', (c) => c.notNull().primaryKey())
      .addColumn('rule', 'text', (c) => c.notNull())
      .addColumn('rule_version', 'integer', (c) => c.notNull())
      .addColumn('event_id', 'text', (c) => c.notNull())
      .addColumn('incident_id', 'text')
      .addColumn('group_key', 'text', (c) => c.notNull())
      .addColumn('resource', 'text')
      .addColumn('decision', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('runbook', 'text', (c) => c.notNull())
      .addColumn('inputs', 'text')
      .addColumn('approval', 'integer', (c) => c.notNull())
      .addColumn('run_id', 'text')
      .addColumn('details', 'text', (c) => c.notNull())
      .addColumn('created_at', time, (c) => c.notNull())
      .addColumn('run_status', 'text')
      .addColumn('finished_at', time)
      .addColumn('reported_at', time)
      .execute();
    await index('rule_firings_rule_idx', 'rule_firings', ['rule', 'created_at']);
    await index('rule_firings_resource_idx', 'rule_firings', ['rule', 'resource', 'created_at']);
    await index('rule_firings_run_idx', 'rule_firings', ['run_id']);
    await index('rule_firings_unreported_idx', 'rule_firings', ['decision', 'reported_at']);

    await db.schema
      .createTable('rule_locks')
      .addColumn('rule', 'text', (c) => c.notNull())
      .addColumn('group_key', 'text', (c) => c.notNull())
      .addColumn('dry_run', 'integer', (c) => c.notNull())
      .addColumn('firing_id', 'text', (c) => c.notNull())
      .addColumn('run_id', 'text')
      .addColumn('created_at', time, (c) => c.notNull())
      .addPrimaryKeyConstraint('rule_locks_pkey', ['rule', 'group_key', 'dry_run'])
      .execute();

    await db.schema
      .createTable('change_freezes')
      .addColumn('id', 'text', (c) => c.notNull().primaryKey())
      .addColumn('reason', 'text')
      .addColumn('starts_at', time, (c) => c.notNull())
      .addColumn('ends_at', time)
      .addColumn('created_by', 'text')
      .addColumn('created_at', time, (c) => c.notNull())
      .execute();
    await index('change_freezes_starts_idx', 'change_freezes', ['starts_at']);

    await db.schema
      .createTable('runbook_schedules')
      .addColumn('name', 'text', (c) => c.notNull().primaryKey())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('definition', 'text', (c) => c.notNull())
      .addColumn('enabled', 'integer', (c) => c.notNull())
      .addColumn('fires_from', time, (c) => c.notNull())
      .addColumn('next_fire_at', time)
      .addColumn('created_by', 'text')
      .addColumn('created_at', time, (c) => c.notNull())
      .addColumn('updated_at', time, (c) => c.notNull())
      .execute();
    await index('runbook_schedules_next_idx', 'runbook_schedules', ['next_fire_at']);

    await db.schema
      .createTable('schedule_fires')
      .addColumn('schedule', 'text', (c) => c.notNull())
      .addColumn('fire_time', time, (c) => c.notNull())
      .addColumn('decision', 'text', (c) => c.notNull())
      .addColumn('missed', 'integer', (c) => c.notNull())
      .addColumn('run_id', 'text')
      .addColumn('error', 'text')
      .addColumn('created_at', time, (c) => c.notNull())
      .addPrimaryKeyConstraint('schedule_fires_pkey', ['schedule', 'fire_time'])
      .execute();
  },
};
