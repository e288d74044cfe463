/**
 * The estate's resources: reading them (one, a page picked by a selector, the relations pointing
 * at one) and their history. Writes are in estate-write.ts.
 */
import type { Kysely, Transaction } from 'kysely';
import {
  isRelationType,
  normaliseRelations,
  type FieldChange,
  type RelationRef,
  type Resource,
  type Selector,
} from '../core/estate/index.ts';
import { selectorCondition } from './estate-query.ts';
import type { Database, ResourceHistoryRow, ResourceRow } from './tables.ts';

type Db = Kysely<Database> | Transaction<Database>;

/** Ids per `IN (…)` list: far below both dialects' parameter limits. */
const ID_CHUNK = 500;

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function toResource(row: ResourceRow, relations: RelationRef[]): Resource {
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    site: row.site,
    labels: JSON.parse(row.labels) as Record<string, string>,
    properties: JSON.parse(row.properties) as Record<string, unknown>,
    facts: row.facts === null ? null : (JSON.parse(row.facts) as Record<string, unknown>),
    source: row.source,
    relations,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Rows with their outgoing relations, in the rows' order. */
export async function withRelations(db: Db, rows: readonly ResourceRow[]): Promise<Resource[]> {
  const byId = new Map<string, RelationRef[]>(rows.map((r) => [r.id, []]));
  for (const ids of chunks([...byId.keys()], ID_CHUNK)) {
    const rels = await db.selectFrom('resource_relations').selectAll().where('from_id', 'in', ids).execute();
    for (const rel of rels)
      if (isRelationType(rel.type))
        byId.get(rel.from_id)?.push({ type: rel.type, kind: rel.to_kind, name: rel.to_name });
  }
  return rows.map((r) => toResource(r, normaliseRelations(byId.get(r.id) ?? [])));
}

export async function findResource(db: Db, kind: string, name: string): Promise<Resource | undefined> {
  const row = await db
    .selectFrom('resources')
    .selectAll()
    .where('kind', '=', kind)
    .where('name', '=', name)
    .executeTakeFirst();
  return row ? (await withRelations(db, [row]))[0] : undefined;
}

export interface ResourceQuery {
  selector?: Selector;
  site?: string;
  kind?: string;
  source?: string;
  /** At most this many (the page size). */
  limit: number;
  /** Resources after this one in (kind, name) order: the cursor of the previous page. */
  after?: { kind: string; name: string };
}

/** A page of resources in (kind, name) order, and whether more follow. */
export async function listResources(
  db: Db,
  q: ResourceQuery,
): Promise<{ resources: Resource[]; more: boolean }> {
  let query = db.selectFrom('resources as res').selectAll('res');
  if (q.kind !== undefined) query = query.where('res.kind', '=', q.kind);
  if (q.site !== undefined) query = query.where('res.site', '=', q.site);
  if (q.source !== undefined) query = query.where('res.source', '=', q.source);
  if (q.selector !== undefined && q.selector.terms.length > 0)
    query = query.where(selectorCondition(q.selector, 'res'));
  const after = q.after;
  if (after !== undefined)
    query = query.where((eb) =>
      eb.or([
        eb('res.kind', '>', after.kind),
        eb.and([eb('res.kind', '=', after.kind), eb('res.name', '>', after.name)]),
      ]),
    );
  const rows = await query
    .orderBy('res.kind')
    .orderBy('res.name')
    .limit(q.limit + 1)
    .execute();
  const more = rows.length > q.limit;
  return { resources: await withRelations(db, rows.slice(0, q.limit)), more };
}

/** Every resource a selector picks (for resolving targets: bounded by `max`). */
export async function selectResources(
  db: Db,
  selector: Selector,
  o: { site?: string; max: number },
): Promise<{ resources: Resource[]; more: boolean }> {
  return listResources(db, { selector, limit: o.max, ...(o.site === undefined ? {} : { site: o.site }) });
}

/** A relation some resource has to the one named `kind/name`. */
export interface IncomingRelation {
  type: string;
  kind: string;
  name: string;
}

export async function incomingRelations(db: Db, kind: string, name: string): Promise<IncomingRelation[]> {
  const rows = await db
    .selectFrom('resource_relations as rel')
    .innerJoin('resources as res', 'res.id', 'rel.from_id')
    .select(['rel.type', 'res.kind', 'res.name'])
    .where('rel.to_kind', '=', kind)
    .where('rel.to_name', '=', name)
    .orderBy('rel.type')
    .orderBy('res.kind')
    .orderBy('res.name')
    .limit(10_000)
    .execute();
  return rows;
}

/** Which of the targets of `relations` exist (as `kind/name`). */
export async function existingTargets(db: Db, relations: readonly RelationRef[]): Promise<Set<string>> {
  const found = new Set<string>();
  const byKind = new Map<string, string[]>();
  for (const r of relations) {
    const names = byKind.get(r.kind) ?? [];
    names.push(r.name);
    byKind.set(r.kind, names);
  }
  for (const [kind, names] of byKind)
    for (const part of chunks([...new Set(names)], ID_CHUNK)) {
      const rows = await db
        .selectFrom('resources')
        .select('name')
        .where('kind', '=', kind)
        .where('name', 'in', part)
        .execute();
      for (const r of rows) found.add(`${kind}/${r.name}`);
    }
  return found;
}

/** One change of a resource as history keeps it. */
export interface HistoryEntry {
  id: number;
  at: number;
  actor: string;
  source: string;
  change: 'created' | 'updated' | 'deleted';
  changes: FieldChange[];
}

function toEntry(row: ResourceHistoryRow): HistoryEntry {
  return {
    id: row.id,
    at: row.at,
    actor: row.actor,
    source: row.source,
    change: row.change as HistoryEntry['change'],
    changes: JSON.parse(row.changes) as FieldChange[],
  };
}

/** The changes of `kind/name` from `since` on, oldest first (at most `limit`). */
export async function resourceHistory(
  db: Db,
  kind: string,
  name: string,
  o: { since: number; limit: number },
): Promise<HistoryEntry[]> {
  const rows = await db
    .selectFrom('resource_history')
    .selectAll()
    .where('resource_kind', '=', kind)
    .where('resource_name', '=', name)
    .where('at', '>=', o.since)
    .orderBy('at')
    .orderBy('id')
    .limit(o.limit)
    .execute();
  return rows.map(toEntry);
}
