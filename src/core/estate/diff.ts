/**
 * Changes of a resource, field by field: what history keeps and what `estate diff` shows.
 * A field is `site`, `source`, `labels.<key>`, `properties.<key>`, `facts.<key>` or
 * `relations.<type>` (the list of `kind/name` it names); values inside a property are compared
 * whole.
 */
import { isDeepStrictEqual } from 'node:util';
import { relationTypes, type RelationRef } from './model.ts';

/** The parts of a resource history follows. */
export interface ResourceState {
  site: string | null;
  source: string;
  labels: Record<string, string>;
  properties: Record<string, unknown>;
  facts: Record<string, unknown> | null;
  relations: RelationRef[];
}

/** One field's change; a side that is missing means the field was not set. */
export interface FieldChange {
  field: string;
  before?: unknown;
  after?: unknown;
}

function flatten(state: ResourceState | undefined): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (!state) return out;
  if (state.site !== null) out.set('site', state.site);
  out.set('source', state.source);
  for (const [k, v] of Object.entries(state.labels)) out.set(`labels.${k}`, v);
  for (const [k, v] of Object.entries(state.properties)) if (v !== undefined) out.set(`properties.${k}`, v);
  for (const [k, v] of Object.entries(state.facts ?? {})) if (v !== undefined) out.set(`facts.${k}`, v);
  for (const type of relationTypes) {
    const refs = state.relations
      .filter((r) => r.type === type)
      .map((r) => `${r.kind}/${r.name}`)
      .sort();
    if (refs.length > 0) out.set(`relations.${type}`, refs);
  }
  return out;
}

const order = (a: FieldChange, b: FieldChange) => (a.field < b.field ? -1 : a.field > b.field ? 1 : 0);

/** What changed from `before` to `after` (either may be missing: created, deleted). */
export function diffStates(
  before: ResourceState | undefined,
  after: ResourceState | undefined,
): FieldChange[] {
  const a = flatten(before);
  const b = flatten(after);
  const changes: FieldChange[] = [];
  for (const field of new Set([...a.keys(), ...b.keys()])) {
    const was = a.get(field);
    const now = b.get(field);
    if (isDeepStrictEqual(was, now)) continue;
    changes.push({
      field,
      ...(a.has(field) ? { before: was } : {}),
      ...(b.has(field) ? { after: now } : {}),
    });
  }
  return changes.sort(order);
}

/**
 * The net change of a series of changes, oldest first: each field from its first `before` to its
 * last `after`; fields that came back to where they were are left out.
 */
export function foldChanges(series: readonly (readonly FieldChange[])[]): FieldChange[] {
  const net = new Map<string, { had: boolean; before: unknown; has: boolean; after: unknown }>();
  for (const changes of series)
    for (const c of changes) {
      const seen = net.get(c.field);
      const has = Object.hasOwn(c, 'after');
      if (seen) {
        seen.has = has;
        seen.after = c.after;
      } else net.set(c.field, { had: Object.hasOwn(c, 'before'), before: c.before, has, after: c.after });
    }
  const out: FieldChange[] = [];
  for (const [field, n] of net) {
    if (n.had === n.has && isDeepStrictEqual(n.before, n.after)) continue;
    out.push({ field, ...(n.had ? { before: n.before } : {}), ...(n.has ? { after: n.after } : {}) });
  }
  return out.sort(order);
}
