/**
 * The step queue: ready steps are claimed by agents of their site with a lease; heartbeats
 * extend leases; a sweep finds leases that ran out.
 */
import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import type { Action } from '../core/engine/index.ts';
import type { DialectAdapter } from './dialect.ts';
import type { Database } from './tables.ts';

type Db = Kysely<Database> | Transaction<Database>;

export interface ClaimingAgent {
  id: string;
  site: string;
  labels: string[];
}

export interface ClaimedStep {
  runId: string;
  key: string;
  attempt: number;
  leaseToken: string;
  action: Action;
  /** `run/step/attempt`: the same for every delivery of one attempt. */
  idempotencyKey: string;
  /** Secret values in the action: the agent masks them in logs, outputs and errors. */
  mask?: string[];
}

export interface LeaseRef {
  runId: string;
  key: string;
  attempt: number;
  leaseToken: string;
}

/** The step's labels are all among the agent's (an empty or missing list always matches). */
function labelsMatch(dialect: DialectAdapter, agentLabels: string[]): RawBuilder<boolean> {
  const labels = JSON.stringify(agentLabels);
  if (dialect.name === 'postgres')
    return sql<boolean>`coalesce(steps.labels, '[]')::jsonb <@ ${labels}::jsonb`;
  return sql<boolean>`not exists (select 1 from json_each(coalesce(steps.labels, '[]')) l where l.value not in (select a.value from json_each(${labels}) a))`;
}

/**
 * Claim up to `max` ready steps of the agent's site, oldest first, in one statement. Every step
 * of one claim shares a fresh lease token; with the attempt number it fences late results.
 */
export async function claimReadySteps(
  db: Db,
  dialect: DialectAdapter,
  a: { agent: ClaimingAgent; max: number; now: number; leaseMs: number; leaseToken: string },
): Promise<ClaimedStep[]> {
  const candidates = dialect
    .forUpdate(
      db
        .selectFrom('steps')
        .select(['steps.run_id', 'steps.key'])
        .where('steps.status', '=', 'ready')
        .where('steps.site', '=', a.agent.site)
        .where('steps.available_at', '<=', a.now)
        .where(labelsMatch(dialect, a.agent.labels))
        .orderBy('steps.available_at')
        .limit(a.max),
      { skipLocked: true },
    )
    .$asTuple('run_id', 'key');
  const rows = await db
    .updateTable('steps')
    .set((eb) => ({
      status: 'running',
      attempt: eb('attempt', '+', 1),
      lease_token: a.leaseToken,
      lease_expires_at: a.now + a.leaseMs,
      agent: a.agent.id,
      started_at: a.now,
      cancel_requested: 0,
      updated_at: a.now,
    }))
    .where((eb) => eb(eb.refTuple('run_id', 'key'), 'in', candidates))
    .returning(['run_id', 'key', 'attempt', 'action'])
    .execute();
  return rows.map((r) => claimedStep(r, a.leaseToken));
}

/** A claimed row as the agent receives it. */
function claimedStep(
  r: { run_id: string; key: string; attempt: number; action: string | null },
  leaseToken: string,
): ClaimedStep {
  return {
    runId: r.run_id,
    key: r.key,
    attempt: r.attempt,
    leaseToken,
    action: JSON.parse(r.action ?? 'null') as Action,
    idempotencyKey: `${r.run_id}/${r.key}/${r.attempt}`,
  };
}

/** Extend the leases the agent still holds; returns the ones it lost (cancelled, expired, taken). */
export async function extendLeases(
  db: Db,
  a: { agentId: string; leases: LeaseRef[]; now: number; leaseMs: number },
): Promise<LeaseRef[]> {
  if (a.leases.length === 0) return [];
  const tokens = [...new Set(a.leases.map((l) => l.leaseToken))];
  const kept = await db
    .updateTable('steps')
    .set({ lease_expires_at: a.now + a.leaseMs })
    .where('agent', '=', a.agentId)
    .where('status', '=', 'running')
    .where('lease_token', 'in', tokens)
    .returning(['run_id', 'key', 'attempt'])
    .execute();
  const held = new Set(kept.map((k) => `${k.run_id}/${k.key}/${k.attempt}`));
  return a.leases.filter((l) => !held.has(`${l.runId}/${l.key}/${l.attempt}`));
}

/** Running attempts whose lease ran out. */
export async function expiredLeases(
  db: Db,
  now: number,
  limit: number,
): Promise<{ runId: string; key: string; attempt: number }[]> {
  const rows = await db
    .selectFrom('steps')
    .select(['run_id', 'key', 'attempt'])
    .where('status', '=', 'running')
    .where('lease_expires_at', '<', now)
    .limit(limit)
    .execute();
  return rows.map((r) => ({ runId: r.run_id, key: r.key, attempt: r.attempt }));
}

/**
 * PostgreSQL: claim, record `step.started` and the server's own timeout timers in ONE statement,
 * outside any transaction (a single statement commits atomically by itself): a claim costs one
 * round trip. `timeoutSlackMs` is added to each attempt's timeout and kill grace.
 */
export async function claimInOneStatement(
  db: Db,
  dialect: DialectAdapter,
  a: {
    agent: ClaimingAgent;
    max: number;
    now: number;
    leaseMs: number;
    leaseToken: string;
    timeoutSlackMs: number;
  },
): Promise<ClaimedStep[]> {
  const started = JSON.stringify({ agent: a.agent.id, site: a.agent.site });
  const res = await sql<{ run_id: string; key: string; attempt: number; action: string | null }>`
    with c as (
      update steps set status = 'running', attempt = attempt + 1, lease_token = ${a.leaseToken},
        lease_expires_at = ${a.now + a.leaseMs}, agent = ${a.agent.id}, started_at = ${a.now},
        cancel_requested = 0, updated_at = ${a.now}
      where (run_id, key) in (
        select run_id, key from steps
        where status = 'ready' and site = ${a.agent.site} and available_at <= ${a.now}
          and ${labelsMatch(dialect, a.agent.labels)}
        order by available_at limit ${a.max} for update skip locked)
      returning run_id, key, attempt, action
    ), ev as (
      insert into run_events (run_id, type, step_key, attempt, actor, data, created_at)
      select run_id, 'step.started', key, attempt, null, ${started}, ${a.now} from c
    ), tm as (
      insert into timers (run_id, step_key, kind, attempt, data, due_at, created_at)
      select run_id, key, 'step-timeout', attempt, null,
        ${a.now + a.timeoutSlackMs} + (action::jsonb->>'timeoutMs')::bigint
          + coalesce((action::jsonb->>'killGraceMs')::bigint, 0), ${a.now}
      from c where action::jsonb ? 'timeoutMs'
    )
    select * from c`.execute(db);
  return res.rows.map((r) => claimedStep(r, a.leaseToken));
}

/**
 * Attempts leased to `agentId`, started before `startedBefore`, that the agent did not list as
 * held: it never got them (the answer to its claim was lost) or has forgotten them.
 */
export async function orphanedLeases(
  db: Db,
  a: { agentId: string; held: LeaseRef[]; startedBefore: number },
): Promise<{ runId: string; key: string; attempt: number }[]> {
  const rows = await db
    .selectFrom('steps')
    .select(['run_id', 'key', 'attempt'])
    .where('agent', '=', a.agentId)
    .where('status', '=', 'running')
    .where('started_at', '<', a.startedBefore)
    .where('lease_token', 'is not', null)
    .limit(1000)
    .execute();
  const held = new Set(a.held.map((l) => `${l.runId}/${l.key}/${l.attempt}`));
  return rows
    .filter((r) => !held.has(`${r.run_id}/${r.key}/${r.attempt}`))
    .map((r) => ({ runId: r.run_id, key: r.key, attempt: r.attempt }));
}
