/** Rules as applied: one row per rule, its version bumped when its text changes. */
import type { Kysely, Transaction } from 'kysely';
import { TandemError } from '../core/errors.ts';
import type { Rule } from '../core/rules/index.ts';
import type { Database, RuleRow } from '../store/index.ts';

type Db = Kysely<Database> | Transaction<Database>;

export interface AppliedDocument {
  name: string;
  version: number;
  /** False when the same text was applied before: nothing changed. */
  changed: boolean;
}

/** A stored rule, parsed. */
export interface StoredRule {
  name: string;
  version: number;
  rule: Rule;
  source: string;
  enabled: boolean;
  createdBy: string | null;
  createdAt: number;
  updatedAt: number;
}

const definitions = new Map<string, Rule>();

export function storedRule(row: RuleRow): StoredRule {
  let rule = definitions.get(row.hash);
  if (rule === undefined) {
    rule = JSON.parse(row.definition) as Rule;
    if (definitions.size > 1_000) definitions.clear();
    definitions.set(row.hash, rule);
  }
  return {
    name: row.name,
    version: row.version,
    rule,
    source: row.source,
    enabled: row.enabled === 1,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export async function applyRule(
  db: Db,
  a: { rule: Rule; source: string; hash: string; actor: string | null; now: number },
): Promise<AppliedDocument> {
  const name = a.rule.metadata.name;
  const row = await db
    .selectFrom('rules')
    .select(['version', 'hash'])
    .where('name', '=', name)
    .executeTakeFirst();
  if (row?.hash === a.hash) return { name, version: row.version, changed: false };
  const values = {
    hash: a.hash,
    source: a.source,
    definition: JSON.stringify(a.rule),
    enabled: a.rule.spec.enabled ? 1 : 0,
    updated_at: a.now,
  };
  if (row === undefined) {
    const inserted = await db
      .insertInto('rules')
      .values({ name, version: 1, ...values, created_by: a.actor, created_at: a.now })
      .onConflict((oc) => oc.column('name').doNothing())
      .executeTakeFirst();
    // Applied by someone else at the same moment: the store runs the transaction again.
    if (inserted.numInsertedOrUpdatedRows === 0n)
      throw new TandemError('conflict', `rule ${name} was applied concurrently`, { retryable: true });
    return { name, version: 1, changed: true };
  }
  await db
    .updateTable('rules')
    .set({ ...values, version: row.version + 1 })
    .where('name', '=', name)
    .execute();
  return { name, version: row.version + 1, changed: true };
}

export async function findRule(db: Db, name: string): Promise<StoredRule | undefined> {
  const row = await db.selectFrom('rules').selectAll().where('name', '=', name).executeTakeFirst();
  return row && storedRule(row);
}

export async function listRules(db: Db, o: { enabledOnly?: boolean } = {}): Promise<StoredRule[]> {
  let q = db.selectFrom('rules').selectAll().orderBy('name');
  if (o.enabledOnly === true) q = q.where('enabled', '=', 1);
  return (await q.execute()).map(storedRule);
}

/** Delete a rule; its firings and locks stay as the record. */
export async function deleteRule(db: Db, name: string): Promise<boolean> {
  const res = await db.deleteFrom('rules').where('name', '=', name).executeTakeFirst();
  return res.numDeletedRows > 0n;
}
