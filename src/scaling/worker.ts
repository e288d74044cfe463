/**
 * The scaling worker: evaluates each policy every `interval`, starts its scale-out or scale-in
 * runbook when the decision says so, and records the decisions.
 *
 * Multi-replica safe: a replica evaluates a policy only while it holds the lease on the policy's
 * state row (taken by one conditional UPDATE, so of the replicas that found it due one wins), and
 * writes the result only if it still holds it. Prometheus is read outside any transaction; the
 * decision, the run it starts and the new state commit together.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { errorMessage, isTandemError } from '../core/errors.ts';
import { ExpressionError } from '../core/expr/index.ts';
import {
  actionInputs,
  actionStarted,
  evaluate,
  scalingContext,
  settle,
  timingsOf,
  verdictKey,
  type DecisionKind,
  type Observation,
  type RunEnd,
  type ScalingAction,
  type ScalingState,
  type Verdict,
} from '../core/scaling/index.ts';
import { TERMINAL_RUN, type RunStatus } from '../core/engine/index.ts';
import type { Logger } from '../engine/deps.ts';
import type { Engine } from '../engine/engine.ts';
import { uuidv7, type Store, type Tx } from '../store/index.ts';
import {
  claimLease,
  duePolicyNames,
  earliestEvaluation,
  findPolicy,
  insertDecision,
  lockLeased,
  pruneDecisions,
  saveState,
  type Decision,
  type StoredPolicy,
} from './policy-store.ts';
import { queryPrometheus, QUERY_TIMEOUT_MS, type MeasureReader } from './prometheus.ts';

export interface ScalingWorkerDeps {
  store: Store;
  engine: Engine;
  clock: () => number;
  log: Logger;
  /** Reads a policy's measure (Prometheus' HTTP API unless a test gives another). */
  read?: MeasureReader;
  /** Who holds leases: unique per worker. */
  owner?: string;
}

/** Six query timeouts: a replica that stalls longer than that loses the policy to another. */
export const LEASE_MS = 6 * QUERY_TIMEOUT_MS;
const BATCH = 50;
/** Decisions kept per policy: months of a normal history (see pruneDecisions). */
export const DECISIONS_KEPT = 5_000;
/** Poll at least this often: a policy applied by another replica sends no wake-up here. */
const MAX_IDLE_MS = 1_000;

export const scalingActor = (name: string) => `scaling:${name}`;
export const workerOwner = () => `${hostname()}/${process.pid}/${randomBytes(4).toString('hex')}`;

/** What evaluating one policy did. */
export type EvaluationResult =
  | { kind: 'not_due' }
  | { kind: 'lease_lost' }
  | { kind: 'evaluated'; verdict: Verdict; runId: string | null; settled: DecisionKind | null };

async function runEnd(tx: Tx, runId: string): Promise<RunEnd | undefined> {
  const run = await tx.db
    .selectFrom('runs')
    .select(['status', 'finished_at', 'updated_at'])
    .where('id', '=', runId)
    .executeTakeFirst();
  if (run === undefined) return 'missing';
  const status = run.status as RunStatus;
  if (!TERMINAL_RUN.has(status)) return undefined;
  return {
    status: status as 'succeeded' | 'failed' | 'cancelled',
    finishedAt: run.finished_at ?? run.updated_at,
  };
}

async function startAction(
  tx: Tx,
  deps: ScalingWorkerDeps,
  stored: StoredPolicy,
  action: ScalingAction,
  instances: number,
  value: number | null,
): Promise<{ runId: string; runbook: string } | { error: string; runbook: string }> {
  const { policy } = stored;
  const runbook = action === 'scale_out' ? policy.spec.scale_out.runbook : policy.spec.scale_in.runbook;
  try {
    const inputs = actionInputs(policy, scalingContext(policy, action, instances, value));
    const run = await deps.engine.startRunIn(tx, { runbook, inputs, actor: scalingActor(stored.name) });
    return { runId: run.id, runbook };
  } catch (err: unknown) {
    // A missing runbook or refused inputs is the policy's problem, recorded as its decision.
    if (
      err instanceof ExpressionError ||
      (isTandemError(err) && err.code !== 'conflict' && err.code !== 'unavailable')
    )
      return { error: errorMessage(err), runbook };
    throw err;
  }
}

/** Evaluate one policy if it is due and no other replica holds it. */
export async function evaluatePolicy(deps: ScalingWorkerDeps, name: string): Promise<EvaluationResult> {
  const owner = deps.owner ?? (deps.owner = workerOwner());
  const claimedAt = deps.clock();
  if (
    !(await claimLease(deps.store.db, { policy: name, owner, now: claimedAt, until: claimedAt + LEASE_MS }))
  )
    return { kind: 'not_due' };
  try {
    const before = await findPolicy(deps.store.db, name);
    if (before === undefined) return { kind: 'lease_lost' };
    const { spec } = before.policy;
    const observed: Observation = spec.enabled
      ? await (deps.read ?? queryPrometheus)(spec.prometheus, spec.query, AbortSignal.timeout(LEASE_MS / 2))
      : { ok: false, error: 'disabled' };
    return await deps.store.transaction((tx) => decide(tx, deps, name, owner, observed));
  } catch (err: unknown) {
    // Let another replica (or the next tick) have it rather than wait out the lease.
    await deps.store.db
      .updateTable('scaling_state')
      .set({ lease_owner: null, lease_until: null })
      .where('policy', '=', name)
      .where('lease_owner', '=', owner)
      .execute()
      .catch(() => undefined);
    throw err;
  }
}

async function decide(
  tx: Tx,
  deps: ScalingWorkerDeps,
  name: string,
  owner: string,
  observed: Observation,
): Promise<EvaluationResult> {
  const stored = await lockLeased(tx, name, owner);
  if (stored === undefined) return { kind: 'lease_lost' };
  const now = deps.clock();
  const { spec } = stored.policy;
  const value = observed.ok ? observed.value : null;
  const record = async (d: Omit<Decision, 'id' | 'policy' | 'policyVersion' | 'createdAt' | 'value'>) => {
    await insertDecision(tx.db, {
      id: uuidv7(),
      policy: name,
      policyVersion: stored.version,
      createdAt: now,
      value,
      ...d,
    });
    await pruneDecisions(tx.db, name, DECISIONS_KEPT);
  };

  let state: ScalingState = stored.state;
  let lastDecision = stored.state.lastDecision;
  let settled: DecisionKind | null = null;
  if (state.pending !== null) {
    const end = await runEnd(tx, state.pending.runId);
    if (end !== undefined) {
      const pending = state.pending;
      const s = settle(state, end, now);
      state = s.state;
      settled = s.outcome;
      await record({
        decision: s.outcome,
        reason: pending.action,
        instances: state.instances,
        runId: pending.runId,
        details: { run_status: end === 'missing' ? 'missing' : end.status, started_at: pending.since },
      });
      lastDecision = null;
    }
  }

  const e = evaluate(spec, timingsOf(spec), state, observed, now);
  state = e.state;
  const details = {
    condition: e.state.condition,
    condition_since: e.state.conditionSince,
    held_ms: e.heldMs,
    cooldown_left_ms: e.cooldownLeftMs,
    ...(observed.ok ? {} : { error: observed.error }),
  };
  let runId: string | null = null;
  if (e.verdict.kind === 'hold') {
    const key = verdictKey(e.verdict);
    if (key !== lastDecision) {
      await record({
        decision: 'hold',
        reason: e.verdict.reason,
        instances: state.instances,
        runId: null,
        details,
      });
      lastDecision = key;
    }
  } else {
    const started = await startAction(tx, deps, stored, e.verdict.kind, state.instances, value);
    if ('error' in started) {
      const key = `error:${e.verdict.kind}`;
      if (key !== lastDecision)
        await record({
          decision: 'error',
          reason: e.verdict.kind,
          instances: state.instances,
          runId: null,
          details: { ...details, runbook: started.runbook, error: started.error },
        });
      lastDecision = key;
      deps.log.error({ policy: name, err: started.error }, 'scaling runbook not started');
    } else {
      runId = started.runId;
      await record({
        decision: e.verdict.kind,
        reason: e.verdict.reason,
        instances: state.instances,
        runId,
        details: { ...details, runbook: started.runbook },
      });
      state = actionStarted(state, e.verdict.kind, runId, now);
      lastDecision = verdictKey(e.verdict);
      deps.log.info({ policy: name, run: runId, action: e.verdict.kind, value }, 'scaling action started');
    }
  }
  await saveState(tx.db, name, {
    ...state,
    lastValue: value,
    lastError: observed.ok ? null : observed.error,
    lastDecision,
    evaluatedAt: now,
    nextEvaluationAt: now + timingsOf(spec).intervalMs,
  });
  return { kind: 'evaluated', verdict: e.verdict, runId, settled };
}

/** Evaluate every due policy once; returns how many were due. */
export async function evaluateDuePolicies(deps: ScalingWorkerDeps): Promise<number> {
  const names = await duePolicyNames(deps.store.db, deps.clock(), BATCH);
  for (const name of names) {
    try {
      await evaluatePolicy(deps, name);
    } catch (err: unknown) {
      deps.log.error({ policy: name, err: errorMessage(err) }, 'scaling policy not evaluated; trying again');
    }
  }
  return names.length;
}

/** Run until `signal` aborts: at the next evaluation due, or every second. */
export async function runScalingWorker(deps: ScalingWorkerDeps, signal: AbortSignal): Promise<void> {
  deps.owner ??= workerOwner();
  let wake: (() => void) | undefined;
  const onAbort = () => wake?.();
  signal.addEventListener('abort', onAbort);
  try {
    while (!signal.aborted) {
      let busy = false;
      try {
        busy = (await evaluateDuePolicies(deps)) === BATCH;
      } catch (err: unknown) {
        deps.log.error({ err: errorMessage(err) }, 'scaling worker failed; trying again');
      }
      if (busy) continue;
      let delay = MAX_IDLE_MS;
      try {
        const next = await earliestEvaluation(deps.store.db);
        if (next !== undefined) delay = Math.max(0, Math.min(delay, next - deps.clock()));
      } catch {
        // The next poll tries again.
      }
      if (signal.aborted) break;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(delay, 10));
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      wake = undefined;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
