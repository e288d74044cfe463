/**
 * The estate: resources (unique by kind and name) with their labels — also one row per label, so
 * selectors filter in SQL with an index on both dialects — their relations by target kind and
 * name, and the history of every change, field by field.
 */
import type { Kysely } from 'kysely';
import type { Migration } from './migration.ts';

export const estate: Migration = {
  name: '0006-estate',
  async up(db: Kysely<unknown>, dialect) {
    const pg = dialect.name === 'postgres';
    const time = pg ? 'bigint' : 'integer';
    const index = (name: string, table: string, columns: string[]) =>
      db.schema.createIndex(name).on(table).columns(columns).execute();

    await db.schema
      .createTable('resources')
      .addColumn('id', 'text', (c) => c.notNull().primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('site', 'text')
      .addColumn('labels', 'text', (c) => c.notNull())
      .addColumn('properties', 'text', (c) => c.notNull())
      .addColumn('facts', 'text')
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('created_at', time, (c) => c.notNull())
      .addColumn('updated_at', time, (c) => c.notNull())
      .addColumn('facts_at', time)
      .addUniqueConstraint('resources_kind_name_key', ['kind', 'name'])
      .execute();
    await index('resources_site_kind_idx', 'resources', ['site', 'kind']);
    await index('resources_source_idx', 'resources', ['source']);

    await db.schema
      .createTable('resource_labels')
      .addColumn('resource_id', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('resource_labels_pkey', ['resource_id', 'key'])
      .execute();
    await index('resource_labels_key_value_idx', 'resource_labels', ['key', 'value', 'resource_id']);

    await db.schema
      .createTable('resource_relations')
      .addColumn('from_id', 'text', (c) => c.notNull())
      .addColumn('type', 'text', (c) => c.notNull())
      .addColumn('to_kind', 'text', (c) => c.notNull())
      .addColumn('to_name', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('resource_relations_pkey', ['from_id', 'type', 'to_kind', 'to_name'])
      .execute();
    await index('resource_relations_to_idx', 'resource_relations', ['to_kind', 'to_name', 'type']);

    await db.schema
      .createTable('resource_history')
      .addColumn('id', pg ? 'bigint' : 'integer', (c) =>
        pg ? c.primaryKey().generatedByDefaultAsIdentity() : c.notNull().primaryKey(),
      )
      .addColumn('resource_kind', 'text', (c) => c.notNull())
      .addColumn('resource_name', 'text', (c) => c.notNull())
      .addColumn('at', time, (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('change', 'text', (c) => c.notNull())
      .addColumn('changes', 'text', (c) => c.notNull())
      .execute();
    await index('resource_history_resource_idx', 'resource_history', [
      'resource_kind',
      'resource_name',
      'at',
    ]);
  },
};
