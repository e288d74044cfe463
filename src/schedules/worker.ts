/**
 * The schedule worker: starts the runs of due schedules. Multi-replica safe twice over: the due
 * schedule's row is locked (SKIP LOCKED on PostgreSQL; SQLite's write transaction), and each fire
 * time is claimed by inserting its (schedule, fire_time) row, so a fire time runs once.
 */
import { errorMessage, isTandemError } from '../core/errors.ts';
import { renderDeep } from '../core/expr/index.ts';
import { dueFires, type Schedule } from '../core/schedules/index.ts';
import type { Logger } from '../engine/deps.ts';
import type { Engine } from '../engine/engine.ts';
import type { Store, Tx } from '../store/index.ts';
import {
  advanceSchedule,
  claimFire,
  dueScheduleNames,
  earliestNextFire,
  lockDueSchedule,
  recordFireOutcome,
} from './schedule-store.ts';

export interface ScheduleWorkerDeps {
  store: Store;
  engine: Engine;
  clock: () => number;
  log: Logger;
}

const BATCH = 100;
/** Poll at least this often: a schedule applied by another replica sends no wake-up here. */
const MAX_IDLE_MS = 1_000;

export const scheduleActor = (name: string) => `schedule:${name}`;

/** The run's inputs, rendered with `schedule` (name, fire time, time zone) in scope. */
export function scheduleInputs(s: Schedule, fireTime: number): Record<string, unknown> {
  const ctx = {
    schedule: {
      name: s.metadata.name,
      fire_time: new Date(fireTime).toISOString(),
      timezone: s.spec.timezone,
      runbook: s.spec.runbook,
    },
  };
  return renderDeep(s.spec.inputs, ctx) as Record<string, unknown>;
}

/** What handling one schedule did. */
export type FireResult =
  | { kind: 'not_due' }
  | { kind: 'started'; fireTime: number; runId: string; missed: number }
  | { kind: 'skipped'; fireTime: number; missed: number }
  | { kind: 'error'; fireTime: number; error: string }
  | { kind: 'claimed_elsewhere'; fireTime: number };

async function startFire(
  tx: Tx,
  deps: ScheduleWorkerDeps,
  s: Schedule,
  fireTime: number,
): Promise<{ runId: string } | { error: string }> {
  try {
    const run = await deps.engine.startRunIn(tx, {
      runbook: s.spec.runbook,
      inputs: scheduleInputs(s, fireTime),
      actor: scheduleActor(s.metadata.name),
    });
    return { runId: run.id };
  } catch (err: unknown) {
    // A missing runbook or refused inputs is the schedule's problem, recorded on the fire.
    if (!isTandemError(err) || err.code === 'conflict' || err.code === 'unavailable') throw err;
    return { error: errorMessage(err) };
  }
}

/** Handle one schedule if it is due: claim its fire time, start the run, move it on. */
export async function fireSchedule(deps: ScheduleWorkerDeps, name: string): Promise<FireResult> {
  return deps.store.transaction(async (tx): Promise<FireResult> => {
    const now = deps.clock();
    const stored = await lockDueSchedule(tx, name, now);
    if (stored === undefined) return { kind: 'not_due' };
    const spec = stored.schedule.spec;
    const due = dueFires(spec, stored.firesFrom, now);
    await advanceSchedule(tx.db, { name, firesFrom: due.firesFrom, nextFireAt: due.next });
    if (due.skipped !== null) {
      await claimFire(tx.db, {
        schedule: name,
        fireTime: due.skipped,
        decision: 'skipped',
        missed: due.missed,
        now,
      });
      deps.log.warn({ schedule: name, missed: due.missed }, 'fire times missed during downtime skipped');
      return { kind: 'skipped', fireTime: due.skipped, missed: due.missed };
    }
    if (due.fire === null) return { kind: 'not_due' };
    const fireTime = due.fire;
    if (!(await claimFire(tx.db, { schedule: name, fireTime, decision: 'started', missed: due.missed, now })))
      return { kind: 'claimed_elsewhere', fireTime };
    const started = await startFire(tx, deps, stored.schedule, fireTime);
    if ('error' in started) {
      await recordFireOutcome(tx.db, {
        schedule: name,
        fireTime,
        decision: 'error',
        runId: null,
        error: started.error,
      });
      deps.log.error({ schedule: name, err: started.error }, 'scheduled run not started');
      return { kind: 'error', fireTime, error: started.error };
    }
    await recordFireOutcome(tx.db, {
      schedule: name,
      fireTime,
      decision: 'started',
      runId: started.runId,
      error: null,
    });
    deps.log.info({ schedule: name, run: started.runId, missed: due.missed }, 'scheduled run started');
    return { kind: 'started', fireTime, runId: started.runId, missed: due.missed };
  });
}

/** Handle every due schedule once; returns how many were due. */
export async function fireDueSchedules(deps: ScheduleWorkerDeps): Promise<number> {
  const names = await dueScheduleNames(deps.store.db, deps.clock(), BATCH);
  for (const name of names) {
    try {
      await fireSchedule(deps, name);
    } catch (err: unknown) {
      deps.log.error({ schedule: name, err: errorMessage(err) }, 'schedule not handled; trying again');
    }
  }
  return names.length;
}

/** Run until `signal` aborts: at the next fire time, or every second. */
export async function runScheduleWorker(deps: ScheduleWorkerDeps, signal: AbortSignal): Promise<void> {
  let wake: (() => void) | undefined;
  const onAbort = () => wake?.();
  signal.addEventListener('abort', onAbort);
  try {
    while (!signal.aborted) {
      let busy = false;
      try {
        busy = (await fireDueSchedules(deps)) === BATCH;
      } catch (err: unknown) {
        deps.log.error({ err: errorMessage(err) }, 'schedule worker failed; trying again');
      }
      if (busy) continue;
      let delay = MAX_IDLE_MS;
      try {
        const next = await earliestNextFire(deps.store.db);
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
