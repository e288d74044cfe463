/**
 * Knowledge and service assessment: the searchable documents (run reports, incidents with their
 * timelines and notes) with the resources each one is about, SLOs as applied, and hourly
 * roll-ups of probe results (raw results are kept a week; an SLO looks back a month or more).
 *
 * Full-text search differs by dialect, and only here and in `src/kb/search-*.ts`:
 * - SQLite: an FTS5 table `kb_fts` over `kb_documents` (external content, kept in step by
 *   triggers) with the `trigram` tokenizer, so any substring of 3 or more characters is found —
 *   Chinese text included, which has no spaces between words.
 * - PostgreSQL: `kb_documents.search`, a stored tsvector (English stemming; `/` read as a space so
 *   `database/pg-sh-1` is found by `pg-sh-1`) under a GIN index. On SQLite the column exists (the
 *   schema is one) and stays null.
 */
import { sql, type Kysely } from 'kysely';
import type { Migration } from './migration.ts';

export const knowledge: Migration = {
  name: '0010-knowledge',
  async up(db: Kysely<unknown>, dialect) {
    const pg = dialect.name === 'postgres';
    const time = pg ? 'bigint' : 'integer';
    const index = (name: string, table: string, columns: string[]) =>
      db.schema.createIndex(name).on(table).columns(columns).execute();

    await db.schema
      .createTable('kb_documents')
      .addColumn('id', pg ? 'bigint' : 'integer', (c) =>
        pg ? c.primaryKey().generatedByDefaultAsIdentity() : c.notNull().primaryKey(),
      )
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('ref_id', 'text', (c) => c.notNull())
      .addColumn('title', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('resources', 'text', (c) => c.notNull())
      .addColumn('site', 'text')
      .addColumn('status', 'text')
      .addColumn('at', time, (c) => c.notNull())
      .addColumn('source_version', 'text', (c) => c.notNull())
      .addColumn('indexed_at', time, (c) => c.notNull())
      .addColumn('search', pg ? sql`tsvector` : 'text', (c) =>
        pg
          ? c
              .generatedAlwaysAs(
                sql`setweight(to_tsvector('english'::regconfig, translate(title, '/', ' ')), 'A') || setweight(to_tsvector('english'::regconfig, translate(resources, '/', ' ')), 'A') || setweight(to_tsvector('english'::regconfig, translate(body, '/', ' ')), 'B')`,
              )
              .stored()
          : c,
      )
      .addUniqueConstraint('kb_documents_kind_ref_id_key', ['kind', 'ref_id'])
      .execute();
    await index('kb_documents_at_idx', 'kb_documents', ['at']);
    if (pg) await sql`create index kb_documents_search_idx on kb_documents using gin (search)`.execute(db);
    else {
      await sql`create virtual table kb_fts using fts5(title, resources, body, content='kb_documents', content_rowid='id', tokenize='trigram')`.execute(
        db,
      );
      await sql`create trigger kb_documents_fts_insert after insert on kb_documents begin
        insert into kb_fts(rowid, title, resources, body) values (new.id, new.title, new.resources, new.body);
      end`.execute(db);
      await sql`create trigger kb_documents_fts_delete after delete on kb_documents begin
        insert into kb_fts(kb_fts, rowid, title, resources, body) values ('delete', old.id, old.title, old.resources, old.body);
      end`.execute(db);
      await sql`create trigger kb_documents_fts_update after update on kb_documents begin
        insert into kb_fts(kb_fts, rowid, title, resources, body) values ('delete', old.id, old.title, old.resources, old.body);
        insert into kb_fts(rowid, title, resources, body) values (new.id, new.title, new.resources, new.body);
      end`.execute(db);
    }

    await db.schema
      .createTable('kb_document_resources')
      .addColumn('document_id', pg ? 'bigint' : 'integer', (c) => c.notNull())
      .addColumn('resource', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('kb_document_resources_pkey', ['document_id', 'resource'])
      .execute();
    await index('kb_document_resources_resource_idx', 'kb_document_resources', ['resource', 'document_id']);

    // The indexer picks up runs finished lately without scanning every run.
    await index('runs_finished_at_idx', 'runs', ['finished_at']);

    await db.schema
      .createTable('slos')
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
      .createTable('slo_probe_hours')
      .addColumn('probe', 'text', (c) => c.notNull())
      .addColumn('site', 'text', (c) => c.notNull())
      .addColumn('hour', time, (c) => c.notNull())
      .addColumn('good', 'integer', (c) => c.notNull())
      .addColumn('total', 'integer', (c) => c.notNull())
      .addPrimaryKeyConstraint('slo_probe_hours_pkey', ['probe', 'site', 'hour'])
      .execute();
  },
};
