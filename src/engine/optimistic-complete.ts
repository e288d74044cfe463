/**
 * PostgreSQL fast path for one result: read the run without a lock, decide, and write everything
 * (run version check, steps, events, timers, the hand-off, notifications) in ONE autocommit
 * statement that rolls back whole if the run moved on meanwhile. Two round trips a step instead
 * of a locked transaction's five. Transitions with other effects (tasks, child runs, concurrency)
 * take the locked path.
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
import { loadRun, newSink } from './apply.ts';
import type { EngineDeps } from './deps.ts';
import { handOff } from './hand-off.ts';
import { readyHere, readyPayload, type ReadyGroup } from './ready-signal.ts';
import { runSignals } from './run-signals.ts';
import type { EffectSink } from './effects.ts';

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
    const outcome = transition(
      before,
      {
        type: 'step.result',
        key: r.key,
        attempt: r.attempt,
        leaseToken: r.leaseToken,
        result: r.result,
        agent: agent.id,
      },
      { now, newId: deps.newId, random: Math.random },
    );
    if (outcome.refused !== undefined) return { accepted: false, reason: outcome.refused, claimed: [] };
    if (outcome.effects.some((e) => e.type !== 'event' && e.type !== 'timer')) return undefined;
    const sink = newSink();
    saveRun(before, outcome.run, outcome.changed, now, sink.steps);
    for (const e of outcome.effects) {
      if (e.type === 'event')
        sink.events.push({
          runId: before.id,
          type: e.event,
          stepKey: e.key ?? null,
          attempt: e.attempt ?? null,
          actor: e.actor ?? null,
          data: e.data,
        });
      else if (e.type === 'timer')
        sink.timers.push({
          runId: before.id,
          stepKey: e.key,
          kind: e.kind,
          attempt: e.attempt,
          dueAt: e.dueAt,
        });
    }
    for (const key of outcome.changed) {
      const s = outcome.run.steps.get(key)!;
      if (s.status === 'ready' && s.site !== null)
        sink.ready.set(`${before.id}/${key}`, { site: s.site, labels: s.labels ?? [] });
    }
    const claimed =
      claimMore > 0
        ? handOff(sink, agent, claimMore, { token: randomToken(16), now, leaseMs: deps.leaseMs })
        : [];
    recordStarts(sink, claimed, now);
    const groups = readyGroups(sink);
    const notes = groups.map((g) => ({
      channel: deps.store.channel('steps-ready'),
      payload: readyPayload(g),
    }));
    const soonest = sink.timers.length > 0 ? Math.min(...sink.timers.map((t) => t.dueAt)) : undefined;
    if (soonest !== undefined && soonest <= now + 1_000)
      notes.push({ channel: deps.store.channel('timers'), payload: String(soonest) });
    try {
      await writeBatch(deps.store.db, deps.store.dialect, sink, now, notes);
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

function readyGroups(sink: EffectSink): ReadyGroup[] {
  const groups = new Map<string, ReadyGroup>();
  for (const at of sink.ready.values()) {
    const id = JSON.stringify([at.site, at.labels]);
    const g = groups.get(id);
    if (g) g.count++;
    else groups.set(id, { site: at.site, labels: at.labels, count: 1 });
  }
  return [...groups.values()];
}
