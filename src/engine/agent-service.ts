/**
 * The control plane's side of the agent protocol: claim ready steps of a site, extend leases,
 * accept results (exactly once, fenced by lease token and attempt), append logs. The embedded
 * agent calls it in-process; remote agents reach the same functions over HTTP.
 */
import type { StepResult } from '../core/engine/index.ts';
import { randomToken } from '../store/ids.ts';
import {
  appendStepLogs,
  claimInOneStatement,
  claimReadySteps,
  orphanedLeases,
  extendLeases,
  touchAgent,
  trimStepLogs,
  writeBatch,
  type ClaimedStep,
  type ClaimingAgent,
  type LeaseRef,
  type StepLogChunk,
  type Tx,
} from '../store/index.ts';
import { applyEvents, flushSink, newSink, resultEvent } from './apply.ts';
import type { EffectSink } from './effects.ts';
import { needsPreparation, prepareClaimed } from './claim-prepare.ts';
import { recordAgentHost } from './agent-facts.ts';
import { handOff } from './hand-off.ts';
import { completeOptimistically } from './optimistic-complete.ts';
import type { ReadySignal } from './ready-signal.ts';
import type { EngineDeps } from './deps.ts';

/** Log kept per attempt: 10 MiB, the tail (override with TANDEM_STEP_LOG_LIMIT, in bytes). */
export const STEP_LOG_LIMIT = Number(process.env.TANDEM_STEP_LOG_LIMIT) || 10 * 1024 * 1024;

/** Slack past an action's own timeout before the server fails the attempt itself. */
const TIMEOUT_BACKSTOP_MS = 5_000;

export interface AttemptResult extends LeaseRef {
  result: StepResult;
}

export interface CompleteResponse {
  /** Per result, in order: accepted, or refused with the reason (a stale lease, say). */
  accepted: { runId: string; key: string; attempt: number; accepted: boolean; reason?: string }[];
  /** Steps claimed in the same transaction, when the agent asked for more. */
  claimed: ClaimedStep[];
}

export class AgentService {
  constructor(readonly deps: EngineDeps) {}

  async claim(agent: ClaimingAgent, max: number): Promise<ClaimedStep[]> {
    if (max <= 0) return [];
    if (this.deps.store.dialect.batchStatements) return this.claimInOneTrip(agent, max);
    return this.deps.store.transaction(async (tx) => {
      const sink = newSink();
      const claimed = await this.claimIn(tx, agent, max, sink);
      await flushSink(tx, this.deps, sink, this.deps.clock());
      return claimed;
    });
  }

  /** Claim, waiting up to `waitMs` for a step of the agent's site to become ready (long-poll). */
  async claimWaiting(
    agent: ClaimingAgent,
    max: number,
    waitMs: number,
    signal: AbortSignal,
    ready: ReadySignal,
  ): Promise<ClaimedStep[]> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      // A caller that has gone (its connection closed) must not be given steps nobody would run.
      if (signal.aborted) return [];
      const watch = ready.watch(agent.site, agent.labels);
      try {
        const claimed = await this.claim(agent, max);
        const left = deadline - Date.now();
        if (claimed.length > 0 || signal.aborted || left <= 0) return claimed;
        await watch.wait(left, signal);
      } finally {
        watch.close();
      }
    }
  }

  /** Keep log chunks of attempts this agent holds (or held last); others are dropped. */
  async appendLogs(agentId: string, chunks: StepLogChunk[]): Promise<number> {
    if (chunks.length === 0) return 0;
    const keys = [...new Set(chunks.map((c) => `${c.runId}\u0000${c.key}`))];
    const owned = new Set<string>();
    for (const k of keys) {
      const [runId, key] = k.split('\u0000') as [string, string];
      const row = await this.deps.store.db
        .selectFrom('steps')
        .select(['agent', 'attempt'])
        .where('run_id', '=', runId)
        .where('key', '=', key)
        .executeTakeFirst();
      if (row?.agent === agentId) owned.add(k);
    }
    const kept = chunks.filter((c) => owned.has(`${c.runId}\u0000${c.key}`));
    await appendStepLogs(this.deps.store, kept, this.deps.clock());
    const attempts = new Map(kept.map((c) => [`${c.runId}\u0000${c.key}\u0000${c.attempt}`, c]));
    for (const c of attempts.values()) await trimStepLogs(this.deps.store.db, c, STEP_LOG_LIMIT);
    return chunks.length - kept.length;
  }

  /**
   * PostgreSQL: the claim, its events and timers in one autocommit statement; the few steps that
   * need claim-time preparation (secrets, host keys) get it in a transaction afterwards.
   */
  private async claimInOneTrip(agent: ClaimingAgent, max: number): Promise<ClaimedStep[]> {
    const claimed = await claimInOneStatement(this.deps.store.db, this.deps.store.dialect, {
      agent,
      max,
      now: this.deps.clock(),
      leaseMs: this.deps.leaseMs,
      leaseToken: randomToken(16),
      timeoutSlackMs: TIMEOUT_BACKSTOP_MS,
    });
    if (!claimed.some((c) => needsPreparation(c.action))) return claimed;
    return this.deps.store.transaction(async (tx) => {
      const prepared = await prepareClaimed(tx, agent.site, claimed, this.deps.masterKey);
      if (prepared.failed.length > 0) await this.failClaims(tx, prepared.failed);
      return prepared.ready;
    });
  }

  /** Steps that cannot run at this agent (a secret not set for its site): they fail, saying why. */
  private async failClaims(tx: Tx, failed: { step: ClaimedStep; error: string }[], sink?: EffectSink) {
    await applyEvents(
      tx,
      this.deps,
      failed.map(({ step, error }) => ({
        runId: step.runId,
        event: {
          type: 'step.result',
          key: step.key,
          attempt: step.attempt,
          leaseToken: step.leaseToken,
          result: { ok: false, error, retryable: false },
        },
      })),
      sink,
    );
  }

  /** Claim in `tx`; the claim's events and timers go to `sink`, flushed by the caller. */
  private async claimIn(tx: Tx, agent: ClaimingAgent, max: number, sink: EffectSink): Promise<ClaimedStep[]> {
    const now = this.deps.clock();
    const claimed = await claimReadySteps(tx.db, this.deps.store.dialect, {
      agent,
      max,
      now,
      leaseMs: this.deps.leaseMs,
      leaseToken: randomToken(16),
    });
    const prepared = await prepareClaimed(tx, agent.site, claimed, this.deps.masterKey);
    if (prepared.failed.length > 0) await this.failClaims(tx, prepared.failed, sink);
    this.recordStarts(sink, agent, prepared.ready, now);
    return prepared.ready;
  }

  /** The `step.started` event of each claim, and the server's own timeout for attempts that have one. */
  recordStarts(sink: EffectSink, agent: ClaimingAgent, claimed: ClaimedStep[], now: number): void {
    for (const c of claimed) {
      // Claimed in the transaction that made it ready: nobody else needs waking for it.
      sink.ready.delete(`${c.runId}/${c.key}`);
      sink.events.push({
        runId: c.runId,
        type: 'step.started',
        stepKey: c.key,
        attempt: c.attempt,
        data: { agent: agent.id, site: agent.site },
      });
      const timeout = 'timeoutMs' in c.action ? c.action.timeoutMs : undefined;
      if (timeout === undefined) continue;
      const grace = 'killGraceMs' in c.action ? c.action.killGraceMs : 0;
      sink.timers.push({
        runId: c.runId,
        stepKey: c.key,
        kind: 'step-timeout',
        attempt: c.attempt,
        dueAt: now + timeout + grace + TIMEOUT_BACKSTOP_MS,
      });
    }
  }

  /** Extend the leases the agent holds; answers the ones it lost, whose processes it must stop. */
  async heartbeat(agentId: string, leases: LeaseRef[]): Promise<LeaseRef[]> {
    const now = this.deps.clock();
    const lost = await extendLeases(this.deps.store.db, { agentId, leases, now, leaseMs: this.deps.leaseMs });
    await this.releaseOrphans(agentId, leases, now);
    return lost;
  }

  /**
   * A step leased to the agent that its heartbeats do not list never reached it (the answer to
   * a claim was lost with its connection): give it back now rather than when the lease runs out.
   * Only when claimed more than half a lease ago and left out by two heartbeats in a row: one
   * heartbeat may have been written before the claim's answer arrived and delivered late.
   */
  private async releaseOrphans(agentId: string, held: LeaseRef[], now: number): Promise<void> {
    const found = await orphanedLeases(this.deps.store.db, {
      agentId,
      held,
      startedBefore: now - this.deps.leaseMs / 2,
    });
    const id = (o: { runId: string; key: string; attempt: number }) => `${o.runId}/${o.key}/${o.attempt}`;
    const before = this.suspects.get(agentId);
    if (found.length > 0) this.suspects.set(agentId, new Set(found.map(id)));
    else this.suspects.delete(agentId);
    const orphans = found.filter((o) => before?.has(id(o)));
    for (const o of orphans) {
      await this.deps.store.transaction((tx) =>
        applyEvents(tx, this.deps, [
          { runId: o.runId, event: { type: 'lease.expired', key: o.key, attempt: o.attempt } },
        ]),
      );
    }
  }

  /** Presence: the agent was heard from (draining when it stops taking work). */
  async seen(agentId: string, extra: { draining?: boolean; facts?: unknown } = {}): Promise<void> {
    const now = this.deps.clock();
    const plain = extra.draining === undefined && extra.facts === undefined;
    // Presence needs seconds, not every call: one write per agent per 10 s at most.
    if (plain && now - (this.lastSeen.get(agentId) ?? 0) < 10_000) return;
    this.lastSeen.set(agentId, now);
    await touchAgent(this.deps.store.db, agentId, now, extra);
    if (extra.facts !== undefined) await recordAgentHost(this.deps, agentId, extra.facts);
  }

  private readonly lastSeen = new Map<string, number>();
  /** Per agent, attempts its last heartbeat left out (this process's view; see releaseOrphans). */
  private readonly suspects = new Map<string, Set<string>>();

  /**
   * Accept a batch of results in one transaction and, when `claimMore` > 0, claim that many more
   * steps in the same transaction: a chain of steps then costs one commit per step.
   */
  async complete(agent: ClaimingAgent, results: AttemptResult[], claimMore = 0): Promise<CompleteResponse> {
    const one = results.length === 1 ? results[0]! : undefined;
    if (one && this.deps.store.dialect.batchStatements) {
      const fast = await completeOptimistically(this.deps, agent, one, claimMore, (sink, claimed, now) =>
        this.recordStarts(sink, agent, claimed, now),
      );
      if (fast) {
        const verdict = { runId: one.runId, key: one.key, attempt: one.attempt, accepted: fast.accepted };
        const claimed =
          fast.claimed.length > 0 || claimMore === 0 ? fast.claimed : await this.claim(agent, claimMore);
        return {
          accepted: [fast.reason === undefined ? verdict : { ...verdict, reason: fast.reason }],
          claimed,
        };
      }
    }
    // Lock runs in one order so two batches never wait on each other in a circle.
    const ordered = [...results].sort((a, b) => (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0));
    return this.deps.store.transaction(async (tx) => {
      const sink = newSink();
      const { outcomes } = await applyEvents(
        tx,
        this.deps,
        ordered.map((r) => ({ runId: r.runId, event: resultEvent(r, agent.id) })),
        sink,
      );
      const verdicts = new Map<LeaseRef, { accepted: boolean; reason?: string }>();
      ordered.forEach((r, i) => {
        const o = outcomes[i];
        if (!o) verdicts.set(r, { accepted: false, reason: `run ${r.runId} does not exist` });
        else if (o.refused !== undefined) verdicts.set(r, { accepted: false, reason: o.refused });
        else verdicts.set(r, { accepted: true });
      });
      const now = this.deps.clock();
      let claimed: ClaimedStep[] = [];
      if (claimMore > 0) {
        const token = randomToken(16);
        claimed = handOff(sink, agent, claimMore, { token, now, leaseMs: this.deps.leaseMs });
        this.recordStarts(sink, agent, claimed, now);
        // Nothing handed over: look for other ready steps (after writing the ones just made).
        if (claimed.length === 0) {
          await writeBatch(tx.db, this.deps.store.dialect, sink, now);
          claimed = await this.claimIn(tx, agent, claimMore, sink);
        }
      }
      await flushSink(tx, this.deps, sink, now);
      return {
        accepted: results.map((r) => ({
          runId: r.runId,
          key: r.key,
          attempt: r.attempt,
          ...verdicts.get(r)!,
        })),
        claimed,
      };
    });
  }
}
