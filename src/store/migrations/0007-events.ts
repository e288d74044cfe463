/**
 * Events and incidents: the sources events come through (each with its own credential), every
 * event received (normalised), the alerts they deduplicate into (one row per fingerprint), the
 * incidents alerts are grouped into with their timeline and linked runs, and maintenance windows.
 */
import type { Kysely } from 'kysely';
import type { Migration } from './migration.ts';

export const events: Migration = {
  name: '0007-events',
  async up(db: Kysely<unknown>, dialect) {
    const pg = dialect.name === 'postgres';
    const time = pg ? 'bigint' : 'integer';
    const index = async (name: string, table: string, columns: string[], unique = false): Promise<void> => {
      const b = db.schema.createIndex(name).on(table).columns(columns);
      await (unique ? b.unique() : b).execute();
    };

    await db.schema
      .createTable('event_sources')
      .addColumn('name', 'text', (c) => c.notNull().primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('auth', 'text', (c) => c.notNull())
      .addColumn('token_hash', 'text')
      .addColumn('secret', 'text')
      .addColumn('settings', 'text', (c) => c.notNull())
      .addColumn('auto_resolve', 'integer')
      .addColumn('created_by', 'text')
      .addColumn('created_at', time, (c) => c.notNull())
      .addColumn('updated_at', time, (c) => c.notNull())
      .execute();
    // PagerDuty senders name their source by routing key alone.
    await index('event_sources_token_hash_idx', 'event_sources', ['token_hash']);

    await db.schema
      .createTable('events')
      .addColumn('id', 'text', (c) => c.notNull().primaryKey())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('source_kind', 'text', (c) => c.notNull())
      .addColumn('fingerprint', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('severity', 'text', (c) => c.notNull())
      .addColumn('summary', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('labels', 'text', (c) => c.notNull())
      .addColumn('annotations', 'text', (c) => c.notNull())
      .addColumn('details', 'text')
      .addColumn('resource', 'text')
      .addColumn('site', 'text')
      .addColumn('group_key', 'text')
      .addColumn('starts_at', time, (c) => c.notNull())
      .addColumn('ends_at', time)
      .addColumn('received_at', time, (c) => c.notNull())
      .addColumn('generator_url', 'text')
      .addColumn('outcome', 'text', (c) => c.notNull())
      .addColumn('incident_id', 'text')
      .addColumn('suppressed_by', 'text')
      .execute();
    await index('events_received_at_idx', 'events', ['received_at']);
    await index('events_fingerprint_idx', 'events', ['fingerprint', 'received_at']);
    await index('events_incident_idx', 'events', ['incident_id']);
    await index('events_source_idx', 'events', ['source', 'received_at']);

    await db.schema
      .createTable('alerts')
      .addColumn('fingerprint', 'text', (c) => c.notNull().primaryKey())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('severity', 'text', (c) => c.notNull())
      .addColumn('summary', 'text', (c) => c.notNull())
      .addColumn('labels', 'text', (c) => c.notNull())
      .addColumn('resource', 'text')
      .addColumn('site', 'text')
      .addColumn('group_key', 'text')
      .addColumn('incident_id', 'text')
      .addColumn('suppressed_by', 'text')
      .addColumn('starts_at', time, (c) => c.notNull())
      .addColumn('ends_at', time)
      .addColumn('first_seen_at', time, (c) => c.notNull())
      .addColumn('last_seen_at', time, (c) => c.notNull())
      .addColumn('resolved_at', time)
      .addColumn('count', 'integer', (c) => c.notNull())
      .addColumn('last_event_id', 'text', (c) => c.notNull())
      .execute();
    await index('alerts_incident_idx', 'alerts', ['incident_id', 'status']);
    await index('alerts_resource_idx', 'alerts', ['resource']);

    await db.schema
      .createTable('incidents')
      .addColumn('id', 'text', (c) => c.notNull().primaryKey())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('severity', 'text', (c) => c.notNull())
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('site', 'text')
      .addColumn('resource', 'text')
      .addColumn('team', 'text')
      .addColumn('assignee', 'text')
      .addColumn('grouping', 'text', (c) => c.notNull())
      .addColumn('labels', 'text', (c) => c.notNull())
      .addColumn('source', 'text')
      .addColumn('group_key', 'text')
      // `site:<name>` or `group:<source>|<key>` while open, else null: one open incident per key.
      .addColumn('open_key', 'text')
      .addColumn('auto_resolve', 'integer', (c) => c.notNull())
      .addColumn('opened_at', time, (c) => c.notNull())
      .addColumn('acknowledged_at', time)
      .addColumn('acknowledged_by', 'text')
      .addColumn('resolved_at', time)
      .addColumn('resolved_by', 'text')
      .addColumn('updated_at', time, (c) => c.notNull())
      .addUniqueConstraint('incidents_open_key_key', ['open_key'])
      .execute();
    await index('incidents_status_opened_idx', 'incidents', ['status', 'opened_at']);
    await index('incidents_opened_idx', 'incidents', ['opened_at']);
    await index('incidents_resource_idx', 'incidents', ['resource', 'opened_at']);

    await db.schema
      .createTable('incident_timeline')
      .addColumn('id', pg ? 'bigint' : 'integer', (c) =>
        pg ? c.primaryKey().generatedByDefaultAsIdentity() : c.notNull().primaryKey(),
      )
      .addColumn('incident_id', 'text', (c) => c.notNull())
      .addColumn('at', time, (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('actor', 'text')
      .addColumn('message', 'text', (c) => c.notNull())
      .addColumn('data', 'text', (c) => c.notNull())
      .addColumn('event_id', 'text')
      .addColumn('run_id', 'text')
      .execute();
    await index('incident_timeline_incident_idx', 'incident_timeline', ['incident_id', 'id']);

    await db.schema
      .createTable('incident_runs')
      .addColumn('incident_id', 'text', (c) => c.notNull())
      .addColumn('run_id', 'text', (c) => c.notNull())
      .addColumn('rule', 'text')
      .addColumn('created_at', time, (c) => c.notNull())
      .addPrimaryKeyConstraint('incident_runs_pkey', ['incident_id', 'run_id'])
      .execute();

    await db.schema
      .createTable('maintenance_windows')
      .addColumn('id', 'text', (c) => c.notNull().primaryKey())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('selector', 'text')
      .addColumn('site', 'text')
      .addColumn('starts_at', time)
      .addColumn('ends_at', time)
      .addColumn('cron', 'text')
      .addColumn('duration_ms', time)
      .addColumn('time_zone', 'text')
      .addColumn('created_by', 'text')
      .addColumn('created_at', time, (c) => c.notNull())
      .execute();
  },
};
