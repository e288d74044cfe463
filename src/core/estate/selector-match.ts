/**
 * Selectors evaluated in memory, over a set of resources and their relations. The store
 * evaluates the same selectors in SQL (estate-query.ts); tests hold both to the same answers.
 */
import { resourceKey, type ResourceSpec } from './model.ts';
import type { MatchTerm, RelationRefTerm, RelationTerm, Selector } from './selector.ts';

/** What a selector may look at: a resource with its site and source. */
export type Selectable = ResourceSpec & { source: string };

/** The resources a selector runs over, indexed for relation terms. */
export class ResourceSet<R extends Selectable = Selectable> {
  private readonly byKey = new Map<string, R>();
  /** `type kind/name` of the target → resources with that relation. */
  private readonly incoming = new Map<string, R[]>();

  constructor(readonly resources: readonly R[]) {
    for (const r of resources) {
      this.byKey.set(resourceKey(r), r);
      for (const rel of r.relations) {
        const key = `${rel.type} ${rel.kind}/${rel.name}`;
        const list = this.incoming.get(key) ?? [];
        list.push(r);
        this.incoming.set(key, list);
      }
    }
  }

  find(kind: string, name: string): R | undefined {
    return this.byKey.get(`${kind}/${name}`);
  }

  /** Resources that have a `type` relation to `r`. */
  pointingAt(type: string, r: Selectable): R[] {
    return this.incoming.get(`${type} ${r.kind}/${r.name}`) ?? [];
  }

  select(selector: Selector): R[] {
    return this.resources.filter((r) => matches(selector, r, this));
  }
}

function fieldValue(r: Selectable, term: MatchTerm): string | undefined {
  const t = term.target;
  if ('label' in t) return Object.hasOwn(r.labels, t.label) ? r.labels[t.label] : undefined;
  const value = r[t.field];
  return value === null ? undefined : value;
}

function matchTerm(term: MatchTerm, r: Selectable): boolean {
  const value = fieldValue(r, term);
  switch (term.op) {
    case 'exists':
      return value !== undefined;
    case 'absent':
      return value === undefined;
    case 'eq':
    case 'in':
      return value !== undefined && term.values.includes(value);
    case 'ne':
    case 'notin':
      return value === undefined || !term.values.includes(value);
  }
}

function matchRelationRef(term: RelationRefTerm, r: Selectable): boolean {
  const named = r.relations.filter((rel) => rel.type === term.relation);
  const hit = () =>
    named.some((rel) => rel.name === term.name && (term.kind === undefined || rel.kind === term.kind));
  switch (term.op) {
    case 'exists':
      return named.length > 0;
    case 'absent':
      return named.length === 0;
    case 'eq':
      return hit();
    case 'ne':
      return !hit();
  }
}

function matchRelation(term: RelationTerm, r: Selectable, set: ResourceSet): boolean {
  if (term.direction === 'out')
    return r.relations.some((rel) => {
      if (rel.type !== term.relation) return false;
      const target = set.find(rel.kind, rel.name);
      return target !== undefined && matches(term.selector, target, set);
    });
  return set.pointingAt(term.relation, r).some((from) => matches(term.selector, from, set));
}

/** Whether `r` is picked by `selector`, relations looked up in `set`. */
export function matches(selector: Selector, r: Selectable, set: ResourceSet): boolean {
  return selector.terms.every((term) => {
    switch (term.type) {
      case 'match':
        return matchTerm(term, r);
      case 'relation_ref':
        return matchRelationRef(term, r);
      case 'relation':
        return matchRelation(term, r, set);
    }
  });
}
