/** Escalation policies and routing rules in the store. */
import type { Kysely, Transaction } from 'kysely';
import { TandemError } from '../core/errors.ts';
import {
  escalationPolicySpec,
  routingRuleSpec,
  type EscalationPolicy,
  type RoutingRule,
  type RoutingRuleSpec,
} from '../core/oncall/index.ts';
import type { Database } from '../store/index.ts';

type Db = Kysely<Database> | Transaction<Database>;

export async function putPolicy(db: Db, p: EscalationPolicy, actor: string, now: number): Promise<boolean> {
  const fields = { description: p.description ?? null, definition: JSON.stringify(p), updated_at: now };
  const updated = await db
    .updateTable('escalation_policies')
    .set(fields)
    .where('name', '=', p.name)
    .executeTakeFirst();
  if (updated.numUpdatedRows > 0n) return false;
  await db
    .insertInto('escalation_policies')
    .values({ name: p.name, ...fields, created_by: actor, created_at: now })
    .execute();
  return true;
}

export async function findPolicy(db: Db, name: string): Promise<EscalationPolicy | undefined> {
  const row = await db
    .selectFrom('escalation_policies')
    .select('definition')
    .where('name', '=', name)
    .executeTakeFirst();
  return row && escalationPolicySpec.parse(JSON.parse(row.definition));
}

export async function listPolicies(db: Db): Promise<EscalationPolicy[]> {
  const rows = await db.selectFrom('escalation_policies').select('definition').orderBy('name').execute();
  return rows.map((r) => escalationPolicySpec.parse(JSON.parse(r.definition)));
}

export async function deletePolicy(db: Db, name: string): Promise<boolean> {
  const users = (await listRoutingRules(db)).filter((r) => r.escalation_policy === name).map((r) => r.name);
  if (users.length > 0)
    throw new TandemError(
      'conflict',
      `routing rules ${users.join(', ')} use policy ${name}: change them first`,
    );
  const res = await db.deleteFrom('escalation_policies').where('name', '=', name).executeTakeFirst();
  return res.numDeletedRows > 0n;
}

/** Create or replace a rule; without a position a new rule goes last (an existing one keeps its own). */
export async function putRoutingRule(
  db: Db,
  r: RoutingRuleSpec,
  actor: string,
  now: number,
): Promise<RoutingRule> {
  const existing = await db
    .selectFrom('routing_rules')
    .select('position')
    .where('name', '=', r.name)
    .executeTakeFirst();
  let position = r.position ?? existing?.position;
  if (position === undefined) {
    const last = await db
      .selectFrom('routing_rules')
      .select((eb) => eb.fn.max('position').as('max'))
      .executeTakeFirst();
    position = (last?.max ?? 0) + 10;
  }
  const { position: _p, ...spec } = r;
  const rule: RoutingRule = { ...spec, position };
  const fields = { position, definition: JSON.stringify(spec), updated_at: now };
  if (existing) await db.updateTable('routing_rules').set(fields).where('name', '=', r.name).execute();
  else
    await db
      .insertInto('routing_rules')
      .values({ name: r.name, ...fields, created_by: actor, created_at: now })
      .execute();
  return rule;
}

/** Every routing rule, in the order they are tried. */
export async function listRoutingRules(db: Db): Promise<RoutingRule[]> {
  const rows = await db
    .selectFrom('routing_rules')
    .select(['position', 'definition'])
    .orderBy('position')
    .orderBy('name')
    .execute();
  return rows.map((r) => ({ ...routingRuleSpec.parse(JSON.parse(r.definition)), position: r.position }));
}

export async function deleteRoutingRule(db: Db, name: string): Promise<boolean> {
  const res = await db.deleteFrom('routing_rules').where('name', '=', name).executeTakeFirst();
  return res.numDeletedRows > 0n;
}
