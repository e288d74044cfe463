/**
 * Firings (every decision a rule made), the per-alert-group locks, and the counts the
 * guard-rails need. Decisions counted as starts: `started` for a live rule, `dry_run` for a dry
 * one, so a dry run shows what the guard-rails would have let through.
 */
import type { Kysely, Transaction } from 'kysely';
import type { FiringDecision, SkipReason } from '../core/rules/index.ts';
import type { Database, RuleFiringRow, Tx } from '../store/index.ts';

type Db = Kysely<Database> | Transaction<Database>;

const TERMINAL_RUN = ['succeeded', 'failed', 'cancelled'];

export interface NewFiring {
  id: string;
  rule: string;
  ruleVersion: number;
  eventId: string;
  incidentId: string | null;
  groupKey: string;
  resource: string | null;
  decision: FiringDecision;
  reason: SkipReason | 'error' | null;
  runbook: string;
  inputs: Record<string, unknown> | null;
  approval: boolean;
  runId: string | null;
  details: Record<string, unknown>;
  now: number;
}

export async function insertFiring(db: Db, f: NewFiring): Promise<void> {
  await db
    .insertInto('rule_firings')
    .values({
      id: f.id,
      rule: f.rule,
      rule_version: f.ruleVersion,
      event_id: f.eventId,
      incident_id: f.incidentId,
      group_key: f.groupKey,
      resource: f.resource,
      decision: f.decision,
      reason: f.reason,
      runbook: f.runbook,
      inputs: f.inputs === null ? null : JSON.stringify(f.inputs),
      approval: f.approval ? 1 : 0,
      run_id: f.runId,
      details: JSON.stringify(f.details),
      created_at: f.now,
      run_status: null,
      finished_at: null,
      reported_at: null,
    })
    .execute();
}

/** A firing as the API shows it. */
export interface Firing {
  id: string;
  rule: string;
  ruleVersion: number;
  eventId: string;
  incidentId: string | null;
  groupKey: string;
  resource: string | null;
  decision: FiringDecision;
  reason: string | null;
  runbook: string;
  inputs: Record<string, unknown> | null;
  approval: boolean;
  runId: string | null;
  details: Record<string, unknown>;
  createdAt: number;
  runStatus: string | null;
  finishedAt: number | null;
}

function firingOf(r: RuleFiringRow): Firing {
  return {
    id: r.id,
    rule: r.rule,
    ruleVersion: r.rule_version,
    eventId: r.event_id,
    incidentId: r.incident_id,
    groupKey: r.group_key,
    resource: r.resource,
    decision: r.decision as FiringDecision,
    reason: r.reason,
    runbook: r.runbook,
    inputs: r.inputs === null ? null : (JSON.parse(r.inputs) as Record<string, unknown>),
    approval: r.approval === 1,
    runId: r.run_id,
    details: JSON.parse(r.details) as Record<string, unknown>,
    createdAt: r.created_at,
    runStatus: r.run_status,
    finishedAt: r.finished_at,
  };
}

/** A rule's firings, newest first. */
export async function listFirings(
  db: Db,
  q: { rule: string; limit: number; decision?: FiringDecision; eventId?: string },
): Promise<Firing[]> {
  let query = db
    .selectFrom('rule_firings')
    .selectAll()
    .where('rule', '=', q.rule)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(q.limit);
  if (q.decision !== undefined) query = query.where('decision', '=', q.decision);
  if (q.eventId !== undefined) query = query.where('event_id', '=', q.eventId);
  return (await query.execute()).map(firingOf);
}

const startDecision = (dryRun: boolean): FiringDecision => (dryRun ? 'dry_run' : 'started');

/** When the rule last started (or, dry, would have started) a run for the resource. */
export async function lastStartForResource(
  db: Db,
  a: { rule: string; resource: string; dryRun: boolean },
): Promise<number | null> {
  const row = await db
    .selectFrom('rule_firings')
    .select((eb) => eb.fn.max('created_at').as('at'))
    .where('rule', '=', a.rule)
    .where('resource', '=', a.resource)
    .where('decision', '=', startDecision(a.dryRun))
    .executeTakeFirst();
  return row?.at ?? null;
}

/** Runs the rule started (or would have) since `since`. */
export async function startsSince(
  db: Db,
  a: { rule: string; since: number; dryRun: boolean },
): Promise<number> {
  const row = await db
    .selectFrom('rule_firings')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('rule', '=', a.rule)
    .where('created_at', '>', a.since)
    .where('decision', '=', startDecision(a.dryRun))
    .executeTakeFirstOrThrow();
  return row.n;
}

/** Runs the rule started that have not finished. */
export async function runningCount(db: Db, rule: string): Promise<number> {
  const row = await db
    .selectFrom('rule_firings as f')
    .innerJoin('runs as r', 'r.id', 'f.run_id')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('f.rule', '=', rule)
    .where('f.decision', '=', 'started')
    .where('r.status', 'not in', TERMINAL_RUN)
    .executeTakeFirstOrThrow();
  return row.n;
}

export interface GroupLock {
  firingId: string;
  runId: string | null;
}

export async function groupLockHolder(
  db: Db,
  a: { rule: string; groupKey: string; dryRun: boolean },
): Promise<GroupLock | null> {
  const row = await db
    .selectFrom('rule_locks')
    .select(['firing_id', 'run_id'])
    .where('rule', '=', a.rule)
    .where('group_key', '=', a.groupKey)
    .where('dry_run', '=', a.dryRun ? 1 : 0)
    .executeTakeFirst();
  return row ? { firingId: row.firing_id, runId: row.run_id } : null;
}

/**
 * Take the rule's lock on an alert group for a firing. The primary key is the lock: of two
 * evaluations racing for one group, exactly one inserts; the other gets false.
 */
export async function takeGroupLock(
  db: Db,
  a: { rule: string; groupKey: string; dryRun: boolean; firingId: string; now: number },
): Promise<boolean> {
  const res = await db
    .insertInto('rule_locks')
    .values({
      rule: a.rule,
      group_key: a.groupKey,
      dry_run: a.dryRun ? 1 : 0,
      firing_id: a.firingId,
      run_id: null,
      created_at: a.now,
    })
    .onConflict((oc) => oc.columns(['rule', 'group_key', 'dry_run']).doNothing())
    .executeTakeFirst();
  return res.numInsertedOrUpdatedRows === 1n;
}

export async function setLockRun(db: Db, a: { firingId: string; runId: string }): Promise<void> {
  await db.updateTable('rule_locks').set({ run_id: a.runId }).where('firing_id', '=', a.firingId).execute();
}

/** A started run that finished and whose outcome is not yet on the incident's timeline. */
export interface FinishedFiring {
  id: string;
  rule: string;
  incidentId: string | null;
  runId: string;
  runbook: string;
  status: string;
  error: string | null;
  finishedAt: number;
}

export async function finishedUnreported(db: Db, limit: number): Promise<FinishedFiring[]> {
  const rows = await db
    .selectFrom('rule_firings as f')
    .innerJoin('runs as r', 'r.id', 'f.run_id')
    .select([
      'f.id',
      'f.rule',
      'f.incident_id',
      'f.run_id',
      'f.runbook',
      'r.status',
      'r.error',
      'r.finished_at',
    ])
    .where('f.decision', '=', 'started')
    .where('f.reported_at', 'is', null)
    .where('r.status', 'in', TERMINAL_RUN)
    .orderBy('f.created_at')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    rule: r.rule,
    incidentId: r.incident_id,
    runId: r.run_id!,
    runbook: r.runbook,
    status: r.status,
    error: r.error,
    finishedAt: r.finished_at ?? 0,
  }));
}

/** Record the outcome once: false when another replica already did. */
export async function markReported(
  db: Db,
  a: { id: string; status: string; finishedAt: number; now: number },
): Promise<boolean> {
  const res = await db
    .updateTable('rule_firings')
    .set({ run_status: a.status, finished_at: a.finishedAt, reported_at: a.now })
    .where('id', '=', a.id)
    .where('reported_at', 'is', null)
    .executeTakeFirst();
  return res.numUpdatedRows > 0n;
}

/** Lock the rule's row for this transaction, so its guard-rail counts are not raced (PostgreSQL). */
export async function lockRuleRow(tx: Tx, rule: string): Promise<void> {
  await tx.dialect.forUpdate(tx.db.selectFrom('rules').select('name').where('name', '=', rule)).execute();
}
