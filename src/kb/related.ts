/** Related history: past incidents and runs of the knowledge base about the same resources. */
import type { Kysely, Transaction } from 'kysely';
import type { RelatedItem } from '../core/reports/index.ts';
import type { Database } from '../store/index.ts';

type Db = Kysely<Database> | Transaction<Database>;

export interface RelatedQuery {
  /** Leave out the document itself. */
  exclude?: { kind: string; refId: string };
  /** Only what happened before this time. */
  before?: number;
  /** Only these kinds (`run`, `incident`); all when absent. */
  kinds?: readonly string[];
  /** 20 by default. */
  limit?: number;
}

/** Newest first, each with the resources it shares with `resources`. */
export async function relatedHistory(
  db: Db,
  resources: readonly string[],
  q: RelatedQuery = {},
): Promise<RelatedItem[]> {
  if (resources.length === 0 || q.kinds?.length === 0) return [];
  const limit = q.limit ?? 20;
  let query = db
    .selectFrom('kb_document_resources as r')
    .innerJoin('kb_documents as d', 'd.id', 'r.document_id')
    .select(['d.id', 'd.kind', 'd.ref_id', 'd.title', 'd.status', 'd.at', 'r.resource'])
    .where('r.resource', 'in', resources.slice(0, 500))
    .orderBy('d.at', 'desc')
    .orderBy('d.id', 'desc')
    // A document sharing several resources comes back once per resource.
    .limit(limit * Math.min(resources.length, 10));
  if (q.before !== undefined) query = query.where('d.at', '<', q.before);
  if (q.kinds) query = query.where('d.kind', 'in', [...q.kinds]);
  if (q.exclude) {
    const { kind, refId } = q.exclude;
    query = query.where((eb) => eb.not(eb.and([eb('d.kind', '=', kind), eb('d.ref_id', '=', refId)])));
  }
  const byId = new Map<number, RelatedItem>();
  for (const row of await query.execute()) {
    const seen = byId.get(row.id);
    if (seen) seen.resources.push(row.resource);
    else if (byId.size < limit)
      byId.set(row.id, {
        kind: row.kind,
        refId: row.ref_id,
        title: row.title,
        status: row.status,
        at: row.at,
        resources: [row.resource],
      });
  }
  return [...byId.values()].map((r) => ({ ...r, resources: r.resources.sort() }));
}
