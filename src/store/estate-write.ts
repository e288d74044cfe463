/**
 * Changing the estate, always with its history: applying a source's whole list of resources
 * (create, update, and remove what it no longer lists), an agent's facts, a deletion. Call inside
 * a transaction: a resource, its labels, relations and history change together.
 */
import { isDeepStrictEqual } from 'node:util';
import { sql } from 'kysely';
import {
  agentHostName,
  agentSource,
  diffStates,
  planApply,
  planCounts,
  resourceKey,
  type FieldChange,
  type PlanAction,
  type PlanItem,
  type Resource,
  type ResourceSpec,
} from '../core/estate/index.ts';
import { TandemError } from '../core/errors.ts';
import { canonicalJson } from './audit.ts';
import { chunks, findResource, withRelations } from './estate.ts';
import { uuidv7 } from './ids.ts';
import type { Tx } from './store.ts';

/** Who makes a change, and when. */
export interface Change {
  actor: string;
  now: number;
}

interface HistoryRow {
  kind: string;
  name: string;
  source: string;
  change: 'created' | 'updated' | 'deleted';
  changes: FieldChange[];
}

/** Rows per multi-row insert: 4 columns × 2000 stays under SQLite's 32,766 parameters. */
const ROWS_PER_INSERT = 2000;

async function appendHistory(tx: Tx, rows: HistoryRow[], c: Change): Promise<void> {
  for (const part of chunks(rows, 500))
    await tx.db
      .insertInto('resource_history')
      .values(
        part.map((h) => ({
          resource_kind: h.kind,
          resource_name: h.name,
          at: c.now,
          actor: c.actor,
          source: h.source,
          change: h.change,
          changes: JSON.stringify(h.changes),
        })),
      )
      .execute();
}

async function insertLabels(tx: Tx, id: string, labels: Record<string, string>): Promise<void> {
  const rows = Object.entries(labels).map(([key, value]) => ({ resource_id: id, key, value }));
  for (const part of chunks(rows, ROWS_PER_INSERT))
    await tx.db.insertInto('resource_labels').values(part).execute();
}

async function insertRelations(tx: Tx, id: string, spec: Pick<ResourceSpec, 'relations'>): Promise<void> {
  const rows = spec.relations.map((r) => ({ from_id: id, type: r.type, to_kind: r.kind, to_name: r.name }));
  for (const part of chunks(rows, ROWS_PER_INSERT))
    await tx.db.insertInto('resource_relations').values(part).execute();
}

/** A unique violation means another transaction created the same resource: try again. */
async function guarded<T>(tx: Tx, what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err: unknown) {
    if (tx.dialect.isUniqueViolation(err))
      throw new TandemError('conflict', `${what} was changed at the same time; try again`, {
        retryable: true,
        cause: err,
      });
    throw err;
  }
}

interface NewResource {
  spec: ResourceSpec;
  source: string;
  facts: Record<string, unknown> | null;
}

async function insertResources(tx: Tx, items: NewResource[], c: Change): Promise<void> {
  const ids = items.map(() => uuidv7());
  await guarded(tx, 'the estate', async () => {
    for (const [p, part] of chunks(items, 500).entries())
      await tx.db
        .insertInto('resources')
        .values(
          part.map(({ spec, source, facts }, i) => ({
            id: ids[p * 500 + i]!,
            kind: spec.kind,
            name: spec.name,
            site: spec.site,
            labels: canonicalJson(spec.labels),
            properties: canonicalJson(spec.properties),
            facts: facts === null ? null : canonicalJson(facts),
            source,
            created_at: c.now,
            updated_at: c.now,
            facts_at: facts === null ? null : c.now,
          })),
        )
        .execute();
  });
  const labels = items.flatMap(({ spec }, i) =>
    Object.entries(spec.labels).map(([key, value]) => ({ resource_id: ids[i]!, key, value })),
  );
  for (const part of chunks(labels, ROWS_PER_INSERT))
    await tx.db.insertInto('resource_labels').values(part).execute();
  const relations = items.flatMap(({ spec }, i) =>
    spec.relations.map((r) => ({ from_id: ids[i]!, type: r.type, to_kind: r.kind, to_name: r.name })),
  );
  for (const part of chunks(relations, ROWS_PER_INSERT))
    await tx.db.insertInto('resource_relations').values(part).execute();
}

/** Write `spec` (declared by `source`) over `current`, keeping the facts agents reported. */
async function updateResource(
  tx: Tx,
  current: Resource,
  spec: ResourceSpec,
  source: string,
  c: Change,
): Promise<void> {
  await tx.db
    .updateTable('resources')
    .set({
      site: spec.site,
      labels: canonicalJson(spec.labels),
      properties: canonicalJson(spec.properties),
      source,
      updated_at: c.now,
    })
    .where('id', '=', current.id)
    .execute();
  if (!isDeepStrictEqual(current.labels, spec.labels)) {
    await tx.db.deleteFrom('resource_labels').where('resource_id', '=', current.id).execute();
    await insertLabels(tx, current.id, spec.labels);
  }
  if (!isDeepStrictEqual(current.relations, spec.relations)) {
    await tx.db.deleteFrom('resource_relations').where('from_id', '=', current.id).execute();
    await insertRelations(tx, current.id, spec);
  }
}

async function deleteRows(tx: Tx, ids: string[]): Promise<void> {
  for (const part of chunks(ids, 500)) {
    await tx.db.deleteFrom('resource_labels').where('resource_id', 'in', part).execute();
    await tx.db.deleteFrom('resource_relations').where('from_id', 'in', part).execute();
    await tx.db.deleteFrom('resources').where('id', 'in', part).execute();
  }
}

/** Stored resources of `source`, and those with the key of a resource in `specs`. */
async function currentFor(tx: Tx, source: string, specs: readonly ResourceSpec[]): Promise<Resource[]> {
  const own = await tx.db.selectFrom('resources').selectAll().where('source', '=', source).execute();
  const seen = new Set(own.map((r) => r.id));
  const rows = [...own];
  const byKind = new Map<string, string[]>();
  for (const s of specs) {
    const names = byKind.get(s.kind) ?? [];
    names.push(s.name);
    byKind.set(s.kind, names);
  }
  for (const [kind, names] of byKind)
    for (const part of chunks(names, 500)) {
      const found = await tx.db
        .selectFrom('resources')
        .selectAll()
        .where('kind', '=', kind)
        .where('name', 'in', part)
        .where('source', '!=', source)
        .execute();
      for (const r of found) if (!seen.has(r.id)) rows.push(r);
    }
  return withRelations(tx.db, rows);
}

/** One resource's outcome of an apply, as answered to the caller. */
export interface ApplyItem {
  kind: string;
  name: string;
  action: PlanAction;
  changes: FieldChange[];
  reason?: string;
}

export interface ApplyResult {
  source: string;
  dryRun: boolean;
  counts: Record<PlanAction, number>;
  /** Every item but the unchanged ones (only counted). */
  items: ApplyItem[];
}

/**
 * Make the estate hold exactly `specs` for `source`: create what is new, update what changed,
 * remove what the source no longer lists. Resources of other sources are left alone (reported as
 * conflicts when listed here). With `dryRun`, only say what would change.
 */
export async function applySource(
  tx: Tx,
  a: { source: string; resources: readonly ResourceSpec[]; dryRun?: boolean } & Change,
): Promise<ApplyResult> {
  const plan = planApply(a.source, a.resources, await currentFor(tx, a.source, a.resources));
  if (!a.dryRun) await executePlan(tx, a.source, plan, a);
  return {
    source: a.source,
    dryRun: a.dryRun ?? false,
    counts: planCounts(plan),
    items: plan
      .filter((p) => p.action !== 'unchanged')
      .map((p) => ({
        kind: p.kind,
        name: p.name,
        action: p.action,
        changes: p.changes,
        ...(p.reason === undefined ? {} : { reason: p.reason }),
      })),
  };
}

async function executePlan(tx: Tx, source: string, plan: PlanItem[], c: Change): Promise<void> {
  const history: HistoryRow[] = [];
  const creates: NewResource[] = [];
  const deletes: string[] = [];
  for (const item of plan) {
    const base = { kind: item.kind, name: item.name, source, changes: item.changes };
    if (item.action === 'create') {
      creates.push({ spec: item.spec!, source, facts: null });
      history.push({ ...base, change: 'created' });
    } else if (item.action === 'update') {
      await updateResource(tx, item.current!, item.spec!, source, c);
      history.push({ ...base, change: 'updated' });
    } else if (item.action === 'delete') {
      deletes.push(item.current!.id);
      history.push({ ...base, change: 'deleted' });
    }
  }
  await deleteRows(tx, deletes);
  await insertResources(tx, creates, c);
  await appendHistory(tx, history, c);
  if (history.length >= ANALYZE_AFTER) await refreshStatistics(tx);
}

/**
 * Changes past this many resources refresh the planner's statistics of the estate tables: a
 * planner that still believes them empty joins label lookups in nested loops, turning a 20 ms
 * selector over 100,000 resources into minutes until autovacuum (PostgreSQL) comes round.
 */
const ANALYZE_AFTER = 1000;

async function refreshStatistics(tx: Tx): Promise<void> {
  for (const table of ['resources', 'resource_labels', 'resource_relations'])
    await sql`analyze ${sql.table(table)}`.execute(tx.db);
}

/** Delete one resource (whatever its source); answers whether it existed. */
export async function deleteResource(
  tx: Tx,
  kind: string,
  name: string,
  c: Change,
): Promise<Resource | undefined> {
  const current = await findResource(tx.db, kind, name);
  if (!current) return undefined;
  await deleteRows(tx, [current.id]);
  await appendHistory(
    tx,
    [{ kind, name, source: current.source, change: 'deleted', changes: diffStates(current, undefined) }],
    c,
  );
  return current;
}

/** An agent and what it reported about the machine it runs on. */
export interface AgentFacts {
  agentId: string;
  agentName: string;
  site: string;
  facts: Record<string, unknown>;
}

/**
 * Record an agent's facts on the `host` resource of its machine: made (source `agent:<id>`, the
 * agent's site) when no source declares it yet; otherwise only its facts change — its site,
 * labels and properties belong to its source. Answers the host's key and what changed.
 */
export async function recordAgentFacts(
  tx: Tx,
  a: AgentFacts & { now: number },
): Promise<{ key: string; changes: FieldChange[] }> {
  const name = agentHostName(a.facts, a.agentName);
  const c: Change = { actor: agentSource(a.agentId), now: a.now };
  const current = await findResource(tx.db, 'host', name);
  if (!current) {
    const spec: ResourceSpec = {
      kind: 'host',
      name,
      site: a.site,
      labels: {},
      properties: {},
      relations: [],
    };
    const source = agentSource(a.agentId);
    const changes = diffStates(undefined, { ...spec, source, facts: a.facts });
    await insertResources(tx, [{ spec, source, facts: a.facts }], c);
    await appendHistory(tx, [{ kind: 'host', name, source, change: 'created', changes }], c);
    return { key: resourceKey(spec), changes };
  }
  const changes = diffStates(current, { ...current, facts: a.facts });
  await tx.db
    .updateTable('resources')
    .set({
      facts: canonicalJson(a.facts),
      facts_at: a.now,
      ...(changes.length > 0 ? { updated_at: a.now } : {}),
    })
    .where('id', '=', current.id)
    .execute();
  if (changes.length > 0)
    await appendHistory(
      tx,
      [{ kind: 'host', name, source: agentSource(a.agentId), change: 'updated', changes }],
      c,
    );
  return { key: resourceKey(current), changes };
}

/** An agent's facts recorded on its host, the agent's name and site read from its record. */
export async function recordFactsOfAgent(
  tx: Tx,
  agentId: string,
  facts: unknown,
  now: number,
): Promise<void> {
  if (typeof facts !== 'object' || facts === null || Array.isArray(facts)) return;
  const agent = await tx.db
    .selectFrom('agents')
    .select(['name', 'site', 'status'])
    .where('id', '=', agentId)
    .executeTakeFirst();
  if (!agent || agent.status === 'revoked') return;
  await recordAgentFacts(tx, {
    agentId,
    agentName: agent.name,
    site: agent.site,
    facts: facts as Record<string, unknown>,
    now,
  });
}
