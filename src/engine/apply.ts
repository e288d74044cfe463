/**
 * Applying events to runs inside one transaction: load (locked), decide with the pure core,
 * write the changes, perform the effects. Effects that touch the same or a new run (a key granted
 * at once, a child run started) are applied in the same transaction; effects on other existing
 * runs become messages delivered by the timer loop, so a transaction only ever locks runs it
 * creates or the one it was asked about.
 */
import { transition, type EngineEvent, type RunState, type TransitionOutcome } from '../core/engine/index.ts';
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
  type Tx,
} from '../store/index.ts';
import type { EngineDeps } from './deps.ts';
import { runSignals } from './run-signals.ts';
import { readyHere, readyPayload, type ReadyGroup } from './ready-signal.ts';
import { performEffects, type EffectSink } from './effects.ts';

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
    for (const key of outcome.changed) {
      const s = outcome.run.steps.get(key)!;
      if (s.status === 'ready' && s.site !== null)
        sink.ready.set(`${outcome.run.id}/${key}`, { site: s.site, labels: s.labels ?? [] });
    }
    await performEffects(tx, deps, outcome.run, outcome.effects, sink, now);
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

/** Write what a transaction's transitions accumulated, and say who should wake after commit. */
export async function flushSink(tx: Tx, deps: EngineDeps, sink: EffectSink, now: number): Promise<void> {
  const runs = new Set(sink.events.map((e) => e.runId));
  const soonest = sink.timers.length > 0 ? Math.min(...sink.timers.map((t) => t.dueAt)) : undefined;
  // One signal per site and label set, with how many steps: only that many claims wake.
  const groups = new Map<string, ReadyGroup>();
  for (const at of sink.ready.values()) {
    const id = JSON.stringify([at.site, at.labels]);
    const g = groups.get(id);
    if (g) g.count++;
    else groups.set(id, { site: at.site, labels: at.labels, count: 1 });
  }
  // Other replicas hear it from the database; this process's agents at once after commit.
  for (const g of groups.values()) tx.notify('steps-ready', readyPayload(g));
  if (groups.size > 0) tx.afterCommit(() => groups.forEach((g) => readyHere(g)));
  sink.ready.clear();
  if (soonest !== undefined && soonest <= now + 1_000) tx.notify('timers', String(soonest));
  await writeBatch(tx.db, deps.store.dialect, sink, now, tx.takeNotifications());
  if (runs.size > 0) tx.afterCommit(() => runs.forEach((r) => runSignals.changed(r)));
}
