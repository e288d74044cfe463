/**
 * What ingest asks the estate: which resource an alert's labels name (core/events/resource-match
 * gives the order), and what a resource depends on, transitively, through `depends_on` and
 * `runs_on` — breadth first, one query per level, bounded so a cyclic or huge graph stays cheap.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Resource, Selector } from '../core/estate/index.ts';
import {
  candidateKeys,
  pickResource,
  type ResourceCandidate,
  type ResourceRef,
} from '../core/events/index.ts';
import { chunks, listResources, withRelations, type Database, type ResourceRow } from '../store/index.ts';

type Db = Kysely<Database> | Transaction<Database>;

/** Levels of dependencies followed: a service on a VM on a host in a cluster on a network is 4. */
export const MAX_DEPENDENCY_DEPTH = 8;
/** Resources visited at most: beyond, the nearest ones are what matters. */
export const MAX_DEPENDENCIES = 2000;
/** The relations an alert's resource is affected through. */
export const DEPENDENCY_RELATIONS = ['depends_on', 'runs_on'] as const;

export interface ResolvedResource {
  resource: Resource;
  /** The label it was matched by. */
  via: string;
}

/** The resource `candidates` name first that exists, with its relations; null when none does. */
export async function resolveResource(
  db: Db,
  candidates: readonly ResourceCandidate[],
): Promise<ResolvedResource | null> {
  return (await resolveResources(db, [candidates]))[0] ?? null;
}

/** Candidate pairs per query: two parameters each, far below both dialects' limits. */
const KEYS_PER_QUERY = 400;

/**
 * `resolveResource` for the alerts of one request at once: one query for every candidate of
 * every alert, one for the relations of those found. Answers in the order of `lists`.
 */
export async function resolveResources(
  db: Db,
  lists: readonly (readonly ResourceCandidate[])[],
): Promise<(ResolvedResource | null)[]> {
  const keys = new Map<string, { kind: string; name: string }>();
  for (const list of lists) for (const k of candidateKeys(list)) keys.set(`${k.kind}/${k.name}`, k);
  if (keys.size === 0) return lists.map(() => null);
  const byKey = new Map<string, ResourceRow>();
  for (const part of chunks([...keys.values()], KEYS_PER_QUERY)) {
    const rows = await db
      .selectFrom('resources')
      .selectAll()
      .where((eb) => eb.or(part.map((k) => eb.and([eb('kind', '=', k.kind), eb('name', '=', k.name)]))))
      .execute();
    for (const r of rows) byKey.set(`${r.kind}/${r.name}`, r);
  }
  const picks = lists.map((list) => pickResource(list, (kind, name) => byKey.has(`${kind}/${name}`)));
  const pickedRows = new Map<string, ResourceRow>();
  for (const p of picks)
    if (p !== null) {
      const key = `${p.resource.kind}/${p.resource.name}`;
      pickedRows.set(key, byKey.get(key)!);
    }
  const resources = new Map(
    (await withRelations(db, [...pickedRows.values()])).map((r) => [`${r.kind}/${r.name}`, r]),
  );
  return picks.map((p) =>
    p === null ? null : { resource: resources.get(`${p.resource.kind}/${p.resource.name}`)!, via: p.via },
  );
}

/**
 * `kind/name` of `from` and everything it depends on or runs on, transitively, with the distance
 * (0 for `from` itself). Relations to resources not in the estate end there.
 */
export async function dependencyDistances(db: Db, from: Resource): Promise<Map<string, number>> {
  const distance = new Map<string, number>([[`${from.kind}/${from.name}`, 0]]);
  let frontier = [from.id];
  for (let depth = 1; depth <= MAX_DEPENDENCY_DEPTH && frontier.length > 0; depth++) {
    const next: string[] = [];
    for (const ids of chunks(frontier, 500)) {
      const rows = await db
        .selectFrom('resource_relations as rel')
        .innerJoin('resources as res', (j) =>
          j.onRef('res.kind', '=', 'rel.to_kind').onRef('res.name', '=', 'rel.to_name'),
        )
        .select(['res.id', 'res.kind', 'res.name'])
        .where('rel.from_id', 'in', ids)
        .where('rel.type', 'in', [...DEPENDENCY_RELATIONS])
        .execute();
      for (const r of rows) {
        const key = `${r.kind}/${r.name}`;
        if (distance.has(key) || distance.size >= MAX_DEPENDENCIES) continue;
        distance.set(key, depth);
        next.push(r.id);
      }
    }
    frontier = next;
  }
  return distance;
}

/** Open incidents with an alert on any of `resources` (`kind/name`), as [incident, resource]. */
export async function openIncidentsOn(
  db: Db,
  resources: readonly string[],
): Promise<{ incidentId: string; resource: string }[]> {
  const out: { incidentId: string; resource: string }[] = [];
  for (const part of chunks([...resources], 500)) {
    const rows = await db
      .selectFrom('alerts as a')
      .innerJoin('incidents as i', 'i.id', 'a.incident_id')
      .select(['a.incident_id', 'a.resource'])
      .distinct()
      .where('a.resource', 'in', part)
      .where('i.status', 'in', ['triggered', 'acknowledged'])
      .execute();
    for (const r of rows)
      if (r.incident_id !== null && r.resource !== null)
        out.push({ incidentId: r.incident_id, resource: r.resource });
  }
  return out;
}

/** Whether `selector` picks the resource `ref` (for selectors that look at other resources). */
export async function selectorPicks(db: Db, selector: Selector, ref: ResourceRef): Promise<boolean> {
  const named: Selector = {
    terms: [...selector.terms, { type: 'match', target: { field: 'name' }, op: 'eq', values: [ref.name] }],
  };
  const page = await listResources(db, { selector: named, kind: ref.kind, limit: 1 });
  return page.resources.length > 0;
}
