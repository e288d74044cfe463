/**
 * The loop that delivers due timers (and cross-run messages) and expires lost leases. Any number
 * of replicas may run it: timers are taken with SKIP LOCKED, and a stale lease event is refused.
 */
import type { EngineEvent, TimerKind } from '../core/engine/index.ts';
import { errorMessage } from '../core/errors.ts';
import { expiredLeases, nextTimerDue, takeDueTimers, type DueTimer } from '../store/index.ts';
import { applyEvents, type QueuedEvent } from './apply.ts';
import type { EngineDeps } from './deps.ts';
import { MESSAGE } from './effects.ts';

const BATCH = 200;
/** Poll at least this often: a wake-up can be missed while a listener reconnects. */
const MAX_IDLE_MS = 1_000;

export function timerEvent(t: DueTimer): EngineEvent {
  switch (t.kind) {
    case MESSAGE.cancel:
      return { type: 'cancel', actor: null, compensate: false, reason: 'the parent run was cancelled' };
    case MESSAGE.granted:
      return { type: 'concurrency.granted', key: t.stepKey };
    case MESSAGE.childFinished: {
      const d = t.data as {
        childRunId: string;
        status: 'succeeded' | 'failed' | 'cancelled';
        outputs: unknown;
        error: string | null;
      };
      return {
        type: 'child.finished',
        key: t.stepKey ?? '',
        childRunId: d.childRunId,
        status: d.status,
        outputs: d.outputs,
        error: d.error,
      };
    }
    default:
      return { type: 'timer', kind: t.kind as TimerKind, key: t.stepKey, attempt: t.attempt, data: t.data };
  }
}

/** Deliver up to one batch of due timers; returns how many were delivered. */
export async function fireDueTimers(deps: EngineDeps): Promise<number> {
  return deps.store.transaction(async (tx) => {
    const due = await takeDueTimers(tx.db, deps.store.dialect, deps.clock(), BATCH);
    if (due.length === 0) return 0;
    const queue: QueuedEvent[] = due
      .sort((a, b) => (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : a.id - b.id))
      .map((t) => ({ runId: t.runId, event: timerEvent(t) }));
    await applyEvents(tx, deps, queue);
    return due.length;
  });
}

/** Fail (or retry) attempts whose agent stopped heartbeating. */
export async function expireLeases(deps: EngineDeps): Promise<number> {
  const expired = await expiredLeases(deps.store.db, deps.clock(), BATCH);
  for (const e of expired) {
    await deps.store.transaction((tx) =>
      applyEvents(tx, deps, [
        { runId: e.runId, event: { type: 'lease.expired', key: e.key, attempt: e.attempt } },
      ]),
    );
  }
  return expired.length;
}

/** Run until `signal` aborts: wake on the `timers` channel, at the next due time, or every second. */
export async function runTimerLoop(deps: EngineDeps, signal: AbortSignal): Promise<void> {
  let wake: (() => void) | undefined;
  const stop = await deps.store.listen('timers', () => wake?.());
  const onAbort = () => wake?.();
  signal.addEventListener('abort', onAbort);
  try {
    while (!signal.aborted) {
      let busy = false;
      try {
        busy = (await fireDueTimers(deps)) === BATCH;
        busy = (await expireLeases(deps)) === BATCH || busy;
      } catch (err: unknown) {
        deps.log.error({ err: errorMessage(err) }, 'timer loop failed; trying again');
      }
      if (busy) continue;
      let delay = MAX_IDLE_MS;
      try {
        const next = await nextTimerDue(deps.store.db);
        if (next !== undefined) delay = Math.max(0, Math.min(delay, next - deps.clock()));
      } catch {
        // The next poll tries again.
      }
      if (delay === 0) continue;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, delay);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      wake = undefined;
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    await stop();
  }
}
