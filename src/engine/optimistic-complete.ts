/**
 * PostgreSQL fast path for one result: read the run without a lock, decide, and write everything
 * (run version check, steps, events, timers, the hand-off, notifications) in ONE autocommit
 * statement that rolls back whole if the run moved on meanwhile. Two round trips a step instead
 * of a locked transaction's five. Transitions with other effects (tasks, child runs, concurrency)
 * or with notifications to queue take the locked path.
 */
import { transition, type RunState } from '../core/engine/index.ts';
import { isTandemError } from '../core/errors.ts';
import {
  randomToken,
  saveRun,
  writeBatch,
  type ClaimedStep,
  type ClaimingAgent,
  type LeaseRef,
} from '../store/index.ts';
import type { StepResult } from '../core/engine/index.ts';
import { loadRun, newSink, noteReady, resultEvent, wakeUps } from './apply.ts';
import type { EngineDeps } from './deps.ts';
import { handOff } from './hand-off.ts';
import { readyHere } from './ready-signal.ts';
import { runSignals } from './run-signals.ts';
import { collectRecord, isRecordEffect, type EffectSink } from './effects.ts';
import { transitionNotifies } from '../notify/index.ts';

/** Races lost before falling back to the locked path. */
const TRIES = 3;

export interface FastOutcome {
  accepted: boolean;
  reason?: string;
  claimed: ClaimedStep[];
}

export async function completeOptimistically(
  deps: EngineDeps,
  agent: ClaimingAgent,
  r: LeaseRef & { result: StepResult },
  claimMore: number,
  recordStarts: (sink: EffectSink, claimed: ClaimedStep[], now: number) => void,
): Promise<FastOutcome | undefined> {
  for (let i = 0; i < TRIES; i++) {
    const before: RunState | undefined = await loadRun({ db: deps.store.db }, deps, r.runId, false);
    if (!before) return undefined;
    const now = deps.clock();
    const outcome = transition(before, resultEvent(r, agent.id), {
      now,
      newId: deps.newId,
      random: Math.random,
    });
    if (outcome.refused !== undefined) return { accepted: false, reason: outcome.refused, claimed: [] };
    const records = outcome.effects.filter(isRecordEffect);
    if (records.length !== outcome.effects.length) return undefined;
    // Notifications are queued in a transaction: a transition that has some takes the locked path.
    if (await transitionNotifies(deps.store, outcome.run, records)) return undefined;
    const sink = newSink();
    saveRun(before, outcome.run, outcome.changed, now, sink.steps);
    for (const e of records) collectRecord(before.id, e, sink);
    noteReady(sink, outcome.run, outcome.changed);
    const claimed =
      claimMore > 0
        ? handOff(sink, agent, claimMore, { token: randomToken(16), now, leaseMs: deps.leaseMs })
        : [];
    recordStarts(sink, claimed, now);
    const { notes, groups } = wakeUps(sink, now);
    const wire = notes.map((n) => ({ channel: deps.store.channel(n.channel), payload: n.payload }));
    try {
      await writeBatch(deps.store.db, deps.store.dialect, sink, now, wire);
    } catch (err: unknown) {
      if (isTandemError(err, 'conflict') && err.retryable) continue;
      throw err;
    }
    groups.forEach((g) => readyHere(g));
    runSignals.changed(before.id);
    return { accepted: true, claimed };
  }
  return undefined;
}
