/**
 * Scaling policies as applied, the state each keeps between evaluations, and their decisions.
 * A policy's state row is made with it and goes with it; its decisions stay as the record.
 */
import type { Kysely, Transaction } from 'kysely';
import { TandemError } from '../core/errors.ts';
import type {
  Condition,
  DecisionKind,
  ScalingAction,
  ScalingPolicy,
  ScalingState,
} from '../core/scaling/index.ts';
import type { Database, ScalingDecisionRow, ScalingPolicyRow, ScalingStateRow, Tx } from '../store/index.ts';

type Db = Kysely<Database> | Transaction<Database>;

/** The state with what the last evaluation saw, as the API shows it. */
export interface StoredState extends ScalingState {
  lastValue: number | null;
  lastError: string | null;
  lastEvaluatedAt: number | null;
  lastDecision: string | null;
  nextEvaluationAt: number;
}

export interface StoredPolicy {
  name: string;
  version: number;
  policy: ScalingPolicy;
  source: string;
  createdBy: string | null;
  createdAt: number;
  updatedAt: number;
  state: StoredState;
}

export function stateOf(row: ScalingStateRow): StoredState {
  const pending =
    row.pending_action !== null && row.pending_run_id !== null
      ? {
          action: row.pending_action as ScalingAction,
          runId: row.pending_run_id,
          since: row.pending_since ?? 0,
        }
      : null;
  return {
    instances: row.instances,
    condition: row.condition as Condition | null,
    conditionSince: row.condition_since,
    lastActionAt: row.last_action_at,
    pending,
    lastValue: row.last_value,
    lastError: row.last_error,
    lastEvaluatedAt: row.last_evaluated_at,
    lastDecision: row.last_decision,
    nextEvaluationAt: row.next_evaluation_at,
  };
}

function storedPolicy(row: ScalingPolicyRow, state: ScalingStateRow): StoredPolicy {
  return {
    name: row.name,
    version: row.version,
    policy: JSON.parse(row.definition) as ScalingPolicy,
    source: row.source,
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    state: stateOf(state),
  };
}

export interface AppliedPolicy {
  name: string;
  version: number;
  changed: boolean;
}

/**
 * Store a policy. A new one starts with no extra instances; a changed one keeps its instances
 * and any action in progress (they are facts about the estate), but its condition must be seen
 * to hold again under the new thresholds, and it is evaluated at once.
 */
export async function applyPolicy(
  db: Db,
  a: { policy: ScalingPolicy; source: string; hash: string; actor: string | null; now: number },
): Promise<AppliedPolicy> {
  const name = a.policy.metadata.name;
  const row = await db
    .selectFrom('scaling_policies')
    .select(['version', 'hash'])
    .where('name', '=', name)
    .executeTakeFirst();
  if (row?.hash === a.hash) return { name, version: row.version, changed: false };
  const values = { hash: a.hash, source: a.source, definition: JSON.stringify(a.policy), updated_at: a.now };
  if (row === undefined) {
    const inserted = await db
      .insertInto('scaling_policies')
      .values({ name, version: 1, ...values, created_by: a.actor, created_at: a.now })
      .onConflict((oc) => oc.column('name').doNothing())
      .executeTakeFirst();
    if (inserted.numInsertedOrUpdatedRows === 0n)
      throw new TandemError('conflict', `scaling policy ${name} was applied concurrently`, {
        retryable: true,
      });
    await db
      .insertInto('scaling_state')
      .values({ policy: name, instances: 0, next_evaluation_at: a.now })
      .onConflict((oc) => oc.column('policy').doNothing())
      .execute();
    return { name, version: 1, changed: true };
  }
  await db
    .updateTable('scaling_policies')
    .set({ ...values, version: row.version + 1 })
    .where('name', '=', name)
    .execute();
  await db
    .updateTable('scaling_state')
    .set({ condition: null, condition_since: null, last_decision: null, next_evaluation_at: a.now })
    .where('policy', '=', name)
    .execute();
  return { name, version: row.version + 1, changed: true };
}

const withState = (db: Db) =>
  db
    .selectFrom('scaling_policies as p')
    .innerJoin('scaling_state as s', 's.policy', 'p.name')
    .selectAll('p')
    .select([
      's.policy',
      's.instances',
      's.condition',
      's.condition_since',
      's.last_action_at',
      's.pending_action',
      's.pending_run_id',
      's.pending_since',
      's.last_value',
      's.last_error',
      's.last_evaluated_at',
      's.last_decision',
      's.next_evaluation_at',
      's.lease_owner',
      's.lease_until',
    ]);

export async function findPolicy(db: Db, name: string): Promise<StoredPolicy | undefined> {
  const row = await withState(db).where('p.name', '=', name).executeTakeFirst();
  return row && storedPolicy(row, row);
}

export async function listPolicies(db: Db): Promise<StoredPolicy[]> {
  return (await withState(db).orderBy('p.name').execute()).map((row) => storedPolicy(row, row));
}

/** Delete a policy and its state (the instances it added stay: scale in first); its decisions stay. */
export async function deletePolicy(db: Db, name: string): Promise<boolean> {
  await db.deleteFrom('scaling_state').where('policy', '=', name).execute();
  const res = await db.deleteFrom('scaling_policies').where('name', '=', name).executeTakeFirst();
  return res.numDeletedRows > 0n;
}

/** Policies due for an evaluation that no replica holds. */
export async function duePolicyNames(db: Db, now: number, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('scaling_state')
    .select('policy')
    .where('next_evaluation_at', '<=', now)
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
    .orderBy('next_evaluation_at')
    .limit(limit)
    .execute();
  return rows.map((r) => r.policy);
}

export async function earliestEvaluation(db: Db): Promise<number | undefined> {
  const row = await db
    .selectFrom('scaling_state')
    .select((eb) => eb.fn.min('next_evaluation_at').as('at'))
    .executeTakeFirst();
  return row?.at ?? undefined;
}

/**
 * Take the lease on a due policy: of the replicas that found it due, one updates the row and
 * gets true. The lease outlives a stuck replica by `until` only.
 */
export async function claimLease(
  db: Db,
  a: { policy: string; owner: string; now: number; until: number },
): Promise<boolean> {
  const res = await db
    .updateTable('scaling_state')
    .set({ lease_owner: a.owner, lease_until: a.until })
    .where('policy', '=', a.policy)
    .where('next_evaluation_at', '<=', a.now)
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', a.now)]))
    .executeTakeFirst();
  return res.numUpdatedRows === 1n;
}

/** The policy and its state, locked for this transaction, if `owner` still holds the lease. */
export async function lockLeased(tx: Tx, policy: string, owner: string): Promise<StoredPolicy | undefined> {
  const state = await tx.dialect
    .forUpdate(tx.db.selectFrom('scaling_state').selectAll().where('policy', '=', policy))
    .executeTakeFirst();
  if (state?.lease_owner !== owner) return undefined;
  const row = await tx.db
    .selectFrom('scaling_policies')
    .selectAll()
    .where('name', '=', policy)
    .executeTakeFirst();
  return row && storedPolicy(row, state);
}

/** Write the state after an evaluation and release the lease. */
export async function saveState(
  db: Db,
  policy: string,
  s: ScalingState & {
    lastValue: number | null;
    lastError: string | null;
    lastDecision: string | null;
    evaluatedAt: number;
    nextEvaluationAt: number;
  },
): Promise<void> {
  await db
    .updateTable('scaling_state')
    .set({
      instances: s.instances,
      condition: s.condition,
      condition_since: s.conditionSince,
      last_action_at: s.lastActionAt,
      pending_action: s.pending?.action ?? null,
      pending_run_id: s.pending?.runId ?? null,
      pending_since: s.pending?.since ?? null,
      last_value: s.lastValue,
      last_error: s.lastError,
      last_evaluated_at: s.evaluatedAt,
      last_decision: s.lastDecision,
      next_evaluation_at: s.nextEvaluationAt,
      lease_owner: null,
      lease_until: null,
    })
    .where('policy', '=', policy)
    .execute();
}

export interface Decision {
  id: string;
  policy: string;
  policyVersion: number;
  decision: DecisionKind;
  reason: string | null;
  value: number | null;
  instances: number;
  runId: string | null;
  details: Record<string, unknown>;
  createdAt: number;
}

export async function insertDecision(db: Db, d: Decision): Promise<void> {
  await db
    .insertInto('scaling_decisions')
    .values({
      id: d.id,
      policy: d.policy,
      policy_version: d.policyVersion,
      decision: d.decision,
      reason: d.reason,
      value: d.value,
      instances: d.instances,
      run_id: d.runId,
      details: JSON.stringify(d.details),
      created_at: d.createdAt,
    })
    .execute();
}

/**
 * Keep a policy's newest `keep` decisions. Verdicts are recorded only when they change, so this
 * bounds a measure that flaps around a threshold for days, not a normal history.
 */
export async function pruneDecisions(db: Db, policy: string, keep: number): Promise<void> {
  const edge = await db
    .selectFrom('scaling_decisions')
    .select(['created_at', 'id'])
    .where('policy', '=', policy)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .offset(keep)
    .limit(1)
    .executeTakeFirst();
  if (edge === undefined) return;
  await db
    .deleteFrom('scaling_decisions')
    .where('policy', '=', policy)
    .where((eb) =>
      eb.or([
        eb('created_at', '<', edge.created_at),
        eb.and([eb('created_at', '=', edge.created_at), eb('id', '<=', edge.id)]),
      ]),
    )
    .execute();
}

const decisionOf = (r: ScalingDecisionRow): Decision => ({
  id: r.id,
  policy: r.policy,
  policyVersion: r.policy_version,
  decision: r.decision as DecisionKind,
  reason: r.reason,
  value: r.value,
  instances: r.instances,
  runId: r.run_id,
  details: JSON.parse(r.details) as Record<string, unknown>,
  createdAt: r.created_at,
});

/** A policy's decisions, newest first (ids are time-ordered: ties in a millisecond keep their order). */
export async function listDecisions(db: Db, policy: string, limit: number): Promise<Decision[]> {
  const rows = await db
    .selectFrom('scaling_decisions')
    .selectAll()
    .where('policy', '=', policy)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map(decisionOf);
}
