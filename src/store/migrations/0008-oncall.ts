/**
 * On-call and probes: schedules and their overrides, escalation policies, routing rules, the
 * escalation of each routed incident (a row the escalation loop takes when due), probe
 * definitions, their results as a time series, the latest result per probe and site (cells), and
 * the classification last acted on per site and service.
 */
import type { Kysely } from 'kysely';
import type { Migration } from './migration.ts';

export const oncall: Migration = {
  name: '0008-oncall',
  async up(db: Kysely<unknown>, dialect) {
    const pg = dialect.name === 'postgres';
    const time = pg ? 'bigint' : 'integer';
    const index = (name: string, table: string, columns: string[]) =>
      db.schema.createIndex(name).on(table).columns(columns).execute();

    await db.schema
      .createTable('oncall_schedules')
      .addColumn('name', 'text', (c) => c.notNull().primaryKey())
      .addColumn('description', 'text')
      .addColumn('time_zone', 'text', (c) => c.notNull())
      .addColumn('definition', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text')
      .addColumn('created_at', time, (c) => c.notNull())
      .addColumn('updated_at', time, (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('oncall_overrides')
      .addColumn('id', 'text', (c) => c.notNull().primaryKey())
      .addColumn('schedule', 'text', (c) => c.notNull())
      .addColumn('username', 'text', (c) => c.notNull())
      .addColumn('starts_at', time, (c) => c.notNull())
      .addColumn('ends_at', time, (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('created_by', 'text')
      .addColumn('created_at', time, (c) => c.notNull())
      .execute();
    await index('oncall_overrides_schedule_idx', 'oncall_overrides', ['schedule', 'ends_at']);

    await db.schema
      .createTable('escalation_policies')
      .addColumn('name', 'text', (c) => c.notNull().primaryKey())
      .addColumn('description', 'text')
      .addColumn('definition', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text')
      .addColumn('created_at', time, (c) => c.notNull())
      .addColumn('updated_at', time, (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('routing_rules')
      .addColumn('name', 'text', (c) => c.notNull().primaryKey())
      .addColumn('position', 'integer', (c) => c.notNull())
      .addColumn('definition', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text')
      .addColumn('created_at', time, (c) => c.notNull())
      .addColumn('updated_at', time, (c) => c.notNull())
      .execute();
    await index('routing_rules_position_idx', 'routing_rules', ['position', 'name']);

    await db.schema
      .createTable('incident_escalations')
      .addColumn('incident_id', 'text', (c) => c.notNull().primaryKey())
      .addColumn('policy', 'text', (c) => c.notNull())
      .addColumn('level', 'integer', (c) => c.notNull())
      .addColumn('round', 'integer', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('due_at', time)
      .addColumn('stop_reason', 'text')
      .addColumn('started_at', time, (c) => c.notNull())
      .addColumn('updated_at', time, (c) => c.notNull())
      .execute();
    await index('incident_escalations_due_idx', 'incident_escalations', ['status', 'due_at']);

    await db.schema
      .createTable('probes')
      .addColumn('name', 'text', (c) => c.notNull().primaryKey())
      .addColumn('service', 'text', (c) => c.notNull())
      .addColumn('definition', 'text', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .addColumn('version', 'integer', (c) => c.notNull())
      .addColumn('created_by', 'text')
      .addColumn('created_at', time, (c) => c.notNull())
      .addColumn('updated_at', time, (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('probe_results')
      .addColumn('id', pg ? 'bigint' : 'integer', (c) =>
        pg ? c.primaryKey().generatedByDefaultAsIdentity() : c.notNull().primaryKey(),
      )
      .addColumn('probe', 'text', (c) => c.notNull())
      .addColumn('site', 'text', (c) => c.notNull())
      .addColumn('agent', 'text')
      .addColumn('at', time, (c) => c.notNull())
      .addColumn('ok', 'integer', (c) => c.notNull())
      .addColumn('latency_ms', 'integer')
      .addColumn('error', 'text')
      .execute();
    await index('probe_results_probe_site_at_idx', 'probe_results', ['probe', 'site', 'at']);
    await index('probe_results_at_idx', 'probe_results', ['at']);

    await db.schema
      .createTable('probe_cells')
      .addColumn('probe', 'text', (c) => c.notNull())
      .addColumn('site', 'text', (c) => c.notNull())
      .addColumn('agent', 'text')
      .addColumn('at', time, (c) => c.notNull())
      .addColumn('ok', 'integer', (c) => c.notNull())
      .addColumn('latency_ms', 'integer')
      .addColumn('error', 'text')
      .addColumn('failures', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('probe_cells_pkey', ['probe', 'site'])
      .execute();

    await db.schema
      .createTable('probe_states')
      .addColumn('subject', 'text', (c) => c.notNull().primaryKey())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('reason', 'text')
      .addColumn('since', time, (c) => c.notNull())
      .addColumn('updated_at', time, (c) => c.notNull())
      .execute();
  },
};
