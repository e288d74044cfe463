/**
 * Selectors evaluated in SQL, the same on SQLite and PostgreSQL: fields compare columns of
 * `resources` (indexed by kind and name, and by site and kind); labels go through
 * `resource_labels` (indexed by key and value), relations through `resource_relations`.
 * Positive label tests are `id IN (…)`, which both planners run as a semi-join from the index.
 */
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type {
  MatchTerm,
  RelationRefTerm,
  RelationTerm,
  Selector,
  SelectorTerm,
} from '../core/estate/index.ts';

type Condition = RawBuilder<SqlBool>;

const TRUE: Condition = sql<SqlBool>`1 = 1`;

function and(conditions: Condition[]): Condition {
  if (conditions.length === 0) return TRUE;
  return sql<SqlBool>`(${sql.join(conditions, sql` and `)})`;
}

/** Builds conditions with fresh table aliases for each nested query. */
class Compiler {
  private next = 0;
  alias(prefix: string): string {
    return `${prefix}${this.next++}`;
  }

  selector(s: Selector, r: string): Condition {
    return and(s.terms.map((t) => this.term(t, r)));
  }

  private term(t: SelectorTerm, r: string): Condition {
    switch (t.type) {
      case 'match':
        return 'field' in t.target ? this.field(t, t.target.field, r) : this.label(t, t.target.label, r);
      case 'relation_ref':
        return this.relationRef(t, r);
      case 'relation':
        return this.relation(t, r);
    }
  }

  private field(t: MatchTerm, field: string, r: string): Condition {
    const col = sql.ref(`${r}.${field}`);
    const list = sql.join(t.values.map((v) => sql`${v}`));
    switch (t.op) {
      case 'exists':
        return sql<SqlBool>`${col} is not null`;
      case 'absent':
        return sql<SqlBool>`${col} is null`;
      case 'eq':
        return sql<SqlBool>`${col} = ${t.values[0]}`;
      case 'in':
        return sql<SqlBool>`${col} in (${list})`;
      // A resource without a site is "not site=x" too.
      case 'ne':
        return sql<SqlBool>`(${col} is null or ${col} <> ${t.values[0]})`;
      case 'notin':
        return sql<SqlBool>`(${col} is null or ${col} not in (${list}))`;
    }
  }

  private label(t: MatchTerm, key: string, r: string): Condition {
    const l = this.alias('l');
    const id = sql.ref(`${r}.id`);
    const from = sql`select ${sql.ref(`${l}.resource_id`)} from resource_labels as ${sql.table(l)} where ${sql.ref(`${l}.key`)} = ${key}`;
    const value = sql.ref(`${l}.value`);
    const list = sql.join(t.values.map((v) => sql`${v}`));
    switch (t.op) {
      case 'exists':
        return sql<SqlBool>`${id} in (${from})`;
      case 'absent':
        return sql<SqlBool>`${id} not in (${from})`;
      case 'eq':
        return sql<SqlBool>`${id} in (${from} and ${value} = ${t.values[0]})`;
      case 'in':
        return sql<SqlBool>`${id} in (${from} and ${value} in (${list}))`;
      case 'ne':
        return sql<SqlBool>`${id} not in (${from} and ${value} = ${t.values[0]})`;
      case 'notin':
        return sql<SqlBool>`${id} not in (${from} and ${value} in (${list}))`;
    }
  }

  private relationRef(t: RelationRefTerm, r: string): Condition {
    const x = this.alias('x');
    const id = sql.ref(`${r}.id`);
    const conds = [sql`${sql.ref(`${x}.type`)} = ${t.relation}`];
    if (t.op === 'eq' || t.op === 'ne') {
      conds.push(sql`${sql.ref(`${x}.to_name`)} = ${t.name ?? ''}`);
      if (t.kind !== undefined) conds.push(sql`${sql.ref(`${x}.to_kind`)} = ${t.kind}`);
    }
    const sub = sql`select ${sql.ref(`${x}.from_id`)} from resource_relations as ${sql.table(x)} where ${sql.join(conds, sql` and `)}`;
    return t.op === 'eq' || t.op === 'exists'
      ? sql<SqlBool>`${id} in (${sub})`
      : sql<SqlBool>`${id} not in (${sub})`;
  }

  private relation(t: RelationTerm, r: string): Condition {
    const x = this.alias('x');
    const o = this.alias('r');
    const inner = this.selector(t.selector, o);
    const ref = (a: string, c: string) => sql.ref(`${a}.${c}`);
    if (t.direction === 'out')
      return sql<SqlBool>`${ref(r, 'id')} in (select ${ref(x, 'from_id')} from resource_relations as ${sql.table(x)}
        join resources as ${sql.table(o)} on ${ref(o, 'kind')} = ${ref(x, 'to_kind')} and ${ref(o, 'name')} = ${ref(x, 'to_name')}
        where ${ref(x, 'type')} = ${t.relation} and ${inner})`;
    return sql<SqlBool>`exists (select 1 from resource_relations as ${sql.table(x)}
        join resources as ${sql.table(o)} on ${ref(o, 'id')} = ${ref(x, 'from_id')}
        where ${ref(x, 'to_kind')} = ${ref(r, 'kind')} and ${ref(x, 'to_name')} = ${ref(r, 'name')}
          and ${ref(x, 'type')} = ${t.relation} and ${inner})`;
  }
}

/** The condition that `selector` holds for the resource row aliased `alias`. */
export function selectorCondition(selector: Selector, alias: string): Condition {
  return new Compiler().selector(selector, alias);
}
