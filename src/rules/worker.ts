/**
 * The rule worker: takes queued events, evaluates them against the rules, and reports finished
 * runs on their incidents. Any number of replicas may run it: an event is taken by one
 * transaction at a time (SKIP LOCKED on PostgreSQL; SQLite's write transaction on SQLite) and
 * deleted in the transaction that records its decisions.
 */
import { errorMessage } from '../core/errors.ts';
import { evaluateQueuedEvent, type RuleWorkerDeps } from './evaluate-event.ts';
import { reportFinishedRuns } from './outcomes.ts';
import {
  claimQueuedEvaluation,
  deleteQueuedEvaluation,
  retryQueuedEvaluation,
  RULE_QUEUE_CHANNEL,
  type QueuedEvaluation,
} from './queue.ts';

/** Events evaluated before the loop looks at finished runs again. */
const BATCH = 100;
/** Poll at least this often: a wake-up can be missed, and run completions send none here. */
const MAX_IDLE_MS = 1_000;

export type EvaluationResult = 'empty' | 'evaluated' | 'failed';

/** Take and evaluate the next due event, if any. A failure puts it back with a back-off. */
export async function evaluateNext(deps: RuleWorkerDeps): Promise<EvaluationResult> {
  let taken: QueuedEvaluation | undefined;
  try {
    return await deps.store.transaction(async (tx) => {
      taken = await claimQueuedEvaluation(tx, deps.clock());
      if (taken === undefined) return 'empty';
      await evaluateQueuedEvent(tx, deps, taken);
      await deleteQueuedEvaluation(tx, taken.id);
      return 'evaluated';
    });
  } catch (err: unknown) {
    const failed = taken;
    if (failed === undefined) throw err;
    deps.log.error({ event: failed.eventId, err: errorMessage(err) }, 'rule evaluation failed; will retry');
    await deps.store.transaction((tx) =>
      retryQueuedEvaluation(tx, failed.id, errorMessage(err), deps.clock()),
    );
    return 'failed';
  }
}

/** One pass: evaluate up to a batch of events, then report finished runs. True when busy. */
export async function ruleWorkerPass(deps: RuleWorkerDeps): Promise<boolean> {
  let n = 0;
  while (n < BATCH && (await evaluateNext(deps)) !== 'empty') n++;
  const reported = await reportFinishedRuns(deps);
  return n === BATCH || reported > 0;
}

/** Run until `signal` aborts: wake on the queue's channel, or every second. */
export async function runRuleWorker(deps: RuleWorkerDeps, signal: AbortSignal): Promise<void> {
  let wake: (() => void) | undefined;
  let woken = false;
  const stop = await deps.store.listen(RULE_QUEUE_CHANNEL, () => {
    woken = true;
    wake?.();
  });
  const onAbort = () => wake?.();
  signal.addEventListener('abort', onAbort);
  try {
    while (!signal.aborted) {
      let busy = false;
      try {
        busy = await ruleWorkerPass(deps);
      } catch (err: unknown) {
        deps.log.error({ err: errorMessage(err) }, 'rule worker failed; trying again');
      }
      // A wake-up during the pass may be for an event the pass did not see: go again.
      if (busy || woken || signal.aborted) {
        woken = false;
        continue;
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, MAX_IDLE_MS);
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
