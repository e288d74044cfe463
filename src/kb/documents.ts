/** Knowledge-base documents in the store: written whole (upsert by kind and ref id), with their resources. */
import type { Kysely, Transaction } from 'kysely';
import type { Database, KbDocumentRow } from '../store/index.ts';

type Db = Kysely<Database> | Transaction<Database>;

export const documentKinds = ['run', 'incident'] as const;
export type DocumentKind = (typeof documentKinds)[number];

export interface KbDocument {
  kind: DocumentKind;
  refId: string;
  title: string;
  body: string;
  resources: readonly string[];
  site: string | null;
  status: string | null;
  at: number;
  /** What was indexed, to tell when the source changed since. */
  sourceVersion: string;
}

/**
 * Text indexed per document: 256 KiB keeps a report with long log tails whole, and keeps
 * PostgreSQL's tsvector (at most 1 MiB, positions up to 16383) meaningful.
 */
export const MAX_BODY_CHARS = 256 * 1024;

/** Write a document (replacing the one of the same kind and ref id). Safe for replicas racing. */
export async function putDocument(db: Db, doc: KbDocument, now: number): Promise<number> {
  const body =
    doc.body.length > MAX_BODY_CHARS
      ? `${doc.body.slice(0, MAX_BODY_CHARS)}\n\n(${doc.body.length - MAX_BODY_CHARS} more characters not indexed)\n`
      : doc.body;
  const resources = [...new Set(doc.resources)].sort();
  const fields = {
    title: doc.title.slice(0, 1000),
    body,
    resources: resources.join(' '),
    site: doc.site,
    status: doc.status,
    at: doc.at,
    source_version: doc.sourceVersion,
    indexed_at: now,
  };
  const { id } = await db
    .insertInto('kb_documents')
    .values({ kind: doc.kind, ref_id: doc.refId, ...fields })
    .onConflict((oc) => oc.columns(['kind', 'ref_id']).doUpdateSet(fields))
    .returning('id')
    .executeTakeFirstOrThrow();
  await db.deleteFrom('kb_document_resources').where('document_id', '=', id).execute();
  if (resources.length > 0)
    await db
      .insertInto('kb_document_resources')
      .values(resources.map((resource) => ({ document_id: id, resource })))
      .execute();
  return id;
}

export async function findDocument(
  db: Db,
  kind: DocumentKind,
  refId: string,
): Promise<KbDocumentRow | undefined> {
  return db
    .selectFrom('kb_documents')
    .selectAll()
    .where('kind', '=', kind)
    .where('ref_id', '=', refId)
    .executeTakeFirst();
}

/** The resources a document is about, as stored. */
export const resourcesOf = (row: Pick<KbDocumentRow, 'resources'>): string[] =>
  row.resources === '' ? [] : row.resources.split(' ');
