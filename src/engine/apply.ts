/**
 * Applying events to runs inside one transaction: load (locked), decide with the pure core,
 * write the changes, perform the effects. Effects that touch the same or a new run (a key granted
 * at once, a child run started) are applied in the same transaction; effects on other existing
 * runs become messages delivered by the timer loop, so a transaction only ever locks runs it
 * creates or the one it was asked about.
 */
import {
  transition,
  type EngineEvent,
  type RunState,
  type StepResult,
  type TransitionOutcome,
} from '../core/engine/index.ts';
import type { Kysely, Transaction } from 'kysely';
import { TandemError } from '../core/errors.ts';
import type { Database } from '../store/index.ts';

/** A connection or a transaction: reads that need no lock take either. */
type Queryable = Kysely<Database> | Transaction<Database>;
import type { Runbook } from '../core/runbook/model.ts';
import {
  findRunbook,
  loadRunRows,
  newStepWrites,
  writeBatch,
  runbookDefinition,
  runFromRow,
  saveRun,
  type LeaseRef,
  type Tx,
} from '../store/index.ts';
import type { EngineDeps } from './deps.ts';
import { runSignals } from './run-signals.ts';
import { readyHere, readyPayload, type ReadyGroup } from './ready-signal.ts';
import { performEffects, type EffectSink } from './effects.ts';
import { enqueueTransitionNotifications } from '../notify/index.ts';

export interface QueuedEvent {
  runId: string;
  event: EngineEvent;
  /** A run created in this transaction, not yet in the store. */
  created?: RunState;
}

export interface ApplyResult {
  /** The outcome of each event the caller queued, in order (undefined: its run does not exist). */
  outcomes: (TransitionOutcome | undefined)[];
}

export async function loadRun(
  tx: { db: Queryable },
  deps: EngineDeps,
  runId: string,
  lock = true,
): Promise<RunState | undefined> {
  const rows = await loadRunRows(tx.db, deps.store.dialect, runId, lock);
  if (!rows) return undefined;
  const runbook = await pinnedRunbook(tx, deps, rows.run.runbook, rows.run.runbook_version);
  return runFromRow(rows.run, runbook, rows.steps);
}

/** Runbook versions never change once applied, so each is read once per store and process. */
const pinnedByStore = new WeakMap<EngineDeps['store'], Map<string, Runbook>>();

async function pinnedRunbook(
  tx: { db: Queryable },
  deps: EngineDeps,
  name: string,
  version: number,
): Promise<Runbook> {
  let pinned = pinnedByStore.get(deps.store);
  if (!pinned) pinnedByStore.set(deps.store, (pinned = new Map<string, Runbook>()));
  const key = `${name}@${version}`;
  const hit = pinned.get(key);
  if (hit) return hit;
  const row = await findRunbook(tx.db, name, version);
  if (!row) throw new TandemError('internal', `runbook ${name} version ${version} is missing`);
  const runbook = runbookDefinition(row);
  if (pinned.size > 10_000) pinned.clear();
  pinned.set(key, runbook);
  return runbook;
}

/**
 * Apply `queue` (and whatever follows from it) in `tx`. `states` holds runs already loaded in
 * this transaction, so a run seen twice is loaded once and written from its latest state.
 */
export async function applyEvents(
  tx: Tx,
  deps: EngineDeps,
  queue: QueuedEvent[],
  /** Given, the caller adds to it and flushes it (with `flushSink`) before commit. */
  deferred?: EffectSink,
): Promise<ApplyResult> {
  const now = deps.clock();
  const states = new Map<string, RunState>();
  const sink: EffectSink = deferred ?? newSink();
  const outcomes: (TransitionOutcome | undefined)[] = [];
  let asked = queue.length;
  while (queue.length > 0) {
    const item = queue.shift()!;
    const before = states.get(item.runId) ?? item.created ?? (await loadRun(tx, deps, item.runId));
    const mine = asked-- > 0;
    if (!before) {
      if (mine) outcomes.push(undefined);
      deps.log.warn({ runId: item.runId, event: item.event.type }, 'event for an unknown run dropped');
      continue;
    }
    const stored = states.has(item.runId) || item.created === undefined;
    const outcome = transition(before, item.event, { now, newId: deps.newId, random: Math.random });
    if (mine) outcomes.push(outcome);
    if (outcome.refused !== undefined) {
      deps.log.debug({ runId: item.runId, event: item.event.type, reason: outcome.refused }, 'event refused');
      if (item.created) states.set(item.runId, before);
      continue;
    }
    saveRun(stored ? before : undefined, outcome.run, outcome.changed, now, sink.steps);
    states.set(item.runId, outcome.run);
    noteReady(sink, outcome.run, outcome.changed);
    await performEffects(tx, deps, outcome.run, outcome.effects, sink, now);
    await enqueueTransitionNotifications(tx, deps.store, outcome.run, outcome.effects, now);
    queue.push(...sink.followUps.splice(0));
  }
  if (!deferred) await flushSink(tx, deps, sink, now);
  return { outcomes };
}

export const newSink = (): EffectSink => ({
  steps: newStepWrites(),
  events: [],
  timers: [],
  followUps: [],
  ready: new Map(),
});

/** Record the steps a transition made ready, so agents that can take them are woken. */
export function noteReady(sink: EffectSink, run: RunState, changed: Iterable<string>): void {
  for (const key of changed) {
    const s = run.steps.get(key)!;
    if (s.status === 'ready' && s.site !== null)
      sink.ready.set(`${run.id}/${key}`, { site: s.site, labels: s.labels ?? [] });
  }
}

/** An agent's result as the event the core takes. */
export function resultEvent(r: LeaseRef & { result: StepResult }, agentId: string): EngineEvent {
  return {
    type: 'step.result',
    key: r.key,
    attempt: r.attempt,
    leaseToken: r.leaseToken,
    result: r.result,
    agent: agentId,
  };
}

/**
 * Who must hear of a sink's writes: the notifications for other replicas (channel names before
 * the store's prefix), the ready groups this process wakes at commit, the runs whose live views
 * follow. One signal per site and label set, with how many steps: only that many claims wake.
 */
export function wakeUps(
  sink: EffectSink,
  now: number,
): { notes: { channel: string; payload: string }[]; groups: ReadyGroup[]; runs: Set<string> } {
  const byPlace = new Map<string, ReadyGroup>();
  for (const at of sink.ready.values()) {
    const id = JSON.stringify([at.site, at.labels]);
    const g = byPlace.get(id);
    if (g) g.count++;
    else byPlace.set(id, { site: at.site, labels: at.labels, count: 1 });
  }
  const groups = [...byPlace.values()];
  const notes = groups.map((g) => ({ channel: 'steps-ready', payload: readyPayload(g) }));
  const soonest = sink.timers.length > 0 ? Math.min(...sink.timers.map((t) => t.dueAt)) : undefined;
  // Timers due later are found by the timer loop's own poll (at least once a second).
  if (soonest !== undefined && soonest <= now + 1_000)
    notes.push({ channel: 'timers', payload: String(soonest) });
  return { notes, groups, runs: new Set(sink.events.map((e) => e.runId)) };
}

/** Write what a transaction's transitions accumulated, and say who should wake after commit. */
export async function flushSink(tx: Tx, deps: EngineDeps, sink: EffectSink, now: number): Promise<void> {
  const { notes, groups, runs } = wakeUps(sink, now);
  sink.ready.clear();
  // Other replicas hear it from the database; this process's agents and views at once after commit.
  for (const n of notes) tx.notify(n.channel, n.payload);
  if (groups.length > 0) tx.afterCommit(() => groups.forEach((g) => readyHere(g)));
  if (runs.size > 0) tx.afterCommit(() => runs.forEach((r) => runSignals.changed(r)));
  await writeBatch(tx.db, deps.store.dialect, sink, now, tx.takeNotifications());
}
