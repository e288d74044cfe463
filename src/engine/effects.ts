/** Performing the effects a transition asks for, inside its transaction. */
import type { Effect, RunState } from '../core/engine/index.ts';
import { assertNever, errorMessage } from '../core/errors.ts';
import { resolveInputs } from '../core/runbook/index.ts';
import {
  acquireConcurrency,
  closeTask,
  createTask,
  escalateTask,
  findRunbook,
  releaseConcurrency,
  runbookDefinition,
  type NewRunEvent,
  type StepWrites,
  type NewTimer,
  type Tx,
} from '../store/index.ts';
import type { QueuedEvent } from './apply.ts';
import type { EngineDeps } from './deps.ts';
import { newRunState } from './new-run.ts';

/** Where a ready step may run: its site, and the labels an agent needs. */
export interface ReadyAt {
  site: string;
  labels: string[];
}

/** What effects accumulate for the end of the transaction. */
export interface EffectSink {
  steps: StepWrites;
  events: NewRunEvent[];
  timers: NewTimer[];
  followUps: QueuedEvent[];
  /** Steps made ready (`run/key` → where they run): agents that can take them are woken after commit. */
  ready: Map<string, ReadyAt>;
}

/** Message kinds: timers that carry an event from one run to another. */
export const MESSAGE = {
  cancel: 'msg.cancel',
  childFinished: 'msg.child-finished',
  granted: 'msg.concurrency-granted',
} as const;

/** Effects that only add rows to the run's history and timers: no I/O of their own. */
export type RecordEffect = Extract<Effect, { type: 'event' | 'timer' }>;

export const isRecordEffect = (e: Effect): e is RecordEffect => e.type === 'event' || e.type === 'timer';

/** Queue an event or timer of `runId` for the transaction's write. */
export function collectRecord(runId: string, e: RecordEffect, sink: EffectSink): void {
  if (e.type === 'event')
    sink.events.push({
      runId,
      type: e.event,
      stepKey: e.key ?? null,
      attempt: e.attempt ?? null,
      actor: e.actor ?? null,
      data: e.data,
    });
  else sink.timers.push({ runId, stepKey: e.key, kind: e.kind, attempt: e.attempt, dueAt: e.dueAt });
}

export async function performEffects(
  tx: Tx,
  deps: EngineDeps,
  run: RunState,
  effects: Effect[],
  sink: EffectSink,
  now: number,
): Promise<void> {
  for (const e of effects) {
    if (isRecordEffect(e)) {
      collectRecord(run.id, e, sink);
      continue;
    }
    switch (e.type) {
      case 'task.create':
        await createTask(tx.db, {
          id: e.taskId,
          runId: run.id,
          stepKey: e.key,
          kind: e.kind,
          spec: e.spec,
          title: e.title,
          assignees: e.assignees,
          deadline: e.deadline,
          now,
        });
        break;
      case 'task.escalate':
        await escalateTask(tx.db, e.taskId, { assignees: e.assignees, deadline: e.deadline, level: e.level });
        break;
      case 'task.close':
        await closeTask(tx.db, e.taskId, e.status, now);
        break;
      case 'child.start':
        await startChild(tx, deps, run, e, sink);
        break;
      case 'child.cancel':
        sink.timers.push({
          runId: e.childRunId,
          stepKey: null,
          kind: MESSAGE.cancel,
          attempt: null,
          dueAt: now,
        });
        break;
      case 'parent.notify':
        sink.timers.push({
          runId: e.parentRunId,
          stepKey: e.parentStepKey,
          kind: MESSAGE.childFinished,
          attempt: null,
          dueAt: now,
          data: { childRunId: run.id, status: e.status, outputs: e.outputs, error: e.error },
        });
        break;
      case 'concurrency.acquire': {
        const granted = await acquireConcurrency(tx.db, deps.store.dialect, {
          key: e.key,
          holder: e.holder,
          limit: e.limit,
          runId: run.id,
          stepKey: e.stepKey,
          now,
        });
        if (granted)
          sink.followUps.push({ runId: run.id, event: { type: 'concurrency.granted', key: e.stepKey } });
        break;
      }
      case 'concurrency.release': {
        const granted = await releaseConcurrency(tx.db, deps.store.dialect, {
          key: e.key,
          holder: e.holder,
          now,
        });
        for (const g of granted)
          sink.timers.push({
            runId: g.runId,
            stepKey: g.stepKey,
            kind: MESSAGE.granted,
            attempt: null,
            dueAt: now,
          });
        break;
      }
      default:
        assertNever(e, 'effect');
    }
  }
}

type ChildStart = Extract<Effect, { type: 'child.start' }>;

/** Start a child run in this transaction; a child that cannot start fails the parent's step. */
async function startChild(tx: Tx, deps: EngineDeps, parent: RunState, e: ChildStart, sink: EffectSink) {
  const fail = (error: string) =>
    sink.followUps.push({
      runId: parent.id,
      event: {
        type: 'child.finished',
        key: e.key,
        childRunId: e.childRunId,
        status: 'failed',
        outputs: null,
        error,
      },
    });
  const row = await findRunbook(tx.db, e.runbook);
  if (!row) return fail(`runbook ${e.runbook} does not exist`);
  let inputs: Record<string, unknown>;
  try {
    inputs = resolveInputs(runbookDefinition(row).spec.inputs, e.inputs);
  } catch (err: unknown) {
    return fail(errorMessage(err));
  }
  const child = newRunState({
    id: e.childRunId,
    runbook: runbookDefinition(row),
    version: row.version,
    inputs,
    createdBy: parent.createdBy,
    parent: { runId: parent.id, stepKey: e.key },
    now: deps.clock(),
  });
  sink.followUps.push({ runId: child.id, event: { type: 'start' }, created: child });
}
