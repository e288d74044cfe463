/**
 * The engine's entry points for people and the API: apply runbooks, start runs, act on them
 * (cancel, pause, resume, retry) and decide on tasks. Each is one transaction.
 */
import type { Decision, EngineEvent, RunState } from '../core/engine/index.ts';
import { TandemError } from '../core/errors.ts';
import { parseRunbook, resolveInputs, runbookHash } from '../core/runbook/index.ts';
import {
  applyRunbook,
  findRunbook,
  findTask,
  insertDecision,
  listDecisions,
  runbookDefinition,
  type AppliedRunbook,
} from '../store/index.ts';
import { applyEvents, loadRun } from './apply.ts';
import type { EngineDeps } from './deps.ts';
import { newRunState } from './new-run.ts';

export type RunAction = 'cancel' | 'pause' | 'resume' | 'retry';

export class Engine {
  constructor(readonly deps: EngineDeps) {}

  /** Validate and store a runbook; identical text is a no-op, changed text a new version. */
  async applyRunbook(source: string, actor: string | null): Promise<AppliedRunbook> {
    const runbook = parseRunbook(source);
    const hash = runbookHash(source);
    return this.deps.store.transaction((tx) =>
      applyRunbook(tx.db, { source, hash, runbook, actor, now: this.deps.clock() }),
    );
  }

  /** Start a run of the runbook's latest (or given) version; bad inputs are refused here. */
  async startRun(args: {
    runbook: string;
    version?: number;
    inputs?: unknown;
    actor: string | null;
  }): Promise<{ id: string; status: string }> {
    const { store, clock, newId } = this.deps;
    return store.transaction(async (tx) => {
      const row = await findRunbook(tx.db, args.runbook, args.version);
      if (!row) {
        const which = args.version === undefined ? '' : ` version ${args.version}`;
        throw new TandemError('not_found', `runbook ${args.runbook}${which} does not exist`);
      }
      const runbook = runbookDefinition(row);
      const inputs = resolveInputs(runbook.spec.inputs, args.inputs ?? {});
      const run = newRunState({
        id: newId(),
        runbook,
        version: row.version,
        inputs,
        createdBy: args.actor,
        now: clock(),
      });
      const { outcomes } = await applyEvents(tx, this.deps, [
        { runId: run.id, event: { type: 'start' }, created: run },
      ]);
      const outcome = outcomes[0]!;
      return { id: run.id, status: outcome.run.status };
    });
  }

  /** Cancel, pause, resume or retry a run; refused actions answer with a conflict saying why. */
  async act(runId: string, action: RunAction, actor: string | null, opts: { compensate?: boolean } = {}) {
    const event: EngineEvent =
      action === 'cancel'
        ? { type: 'cancel', actor, compensate: opts.compensate ?? false }
        : { type: action, actor };
    return this.apply(runId, event);
  }

  /** Apply one event to a run in its own transaction; a refusal throws a conflict. */
  async apply(runId: string, event: EngineEvent): Promise<RunState> {
    return this.deps.store.transaction(async (tx) => {
      const { outcomes } = await applyEvents(tx, this.deps, [{ runId, event }]);
      const outcome = outcomes[0];
      if (!outcome) throw new TandemError('not_found', `run ${runId} does not exist`);
      if (outcome.refused !== undefined) throw new TandemError('conflict', outcome.refused);
      return outcome.run;
    });
  }

  /** A person's decision on an approval task. */
  async decide(taskId: string, actor: string, decision: Decision['decision'], comment: string | null) {
    const { store, clock } = this.deps;
    return store.transaction(async (tx) => {
      const task = await findTask(tx.db, taskId);
      if (!task) throw new TandemError('not_found', `task ${taskId} does not exist`);
      if (task.status !== 'open') throw new TandemError('conflict', `task ${taskId} is ${task.status}`);
      const decisions = await listDecisions(tx.db, taskId);
      const { outcomes } = await applyEvents(tx, this.deps, [
        {
          runId: task.run_id,
          event: {
            type: 'decision',
            key: task.step_key,
            taskId,
            decision: { actor, decision, comment },
            decisions,
          },
        },
      ]);
      const outcome = outcomes[0];
      if (!outcome) throw new TandemError('not_found', `run ${task.run_id} does not exist`);
      if (outcome.refused !== undefined) throw new TandemError('conflict', outcome.refused);
      await insertDecision(tx.db, { taskId, actor, decision, comment, now: clock() });
      const step = outcome.run.steps.get(task.step_key);
      return { runId: task.run_id, step: task.step_key, stepStatus: step?.status ?? 'unknown' };
    });
  }

  /** A run's current state: one consistent read, without taking the run's lock from writers. */
  async getRun(runId: string): Promise<RunState | undefined> {
    return this.deps.store.transaction((tx) => loadRun(tx, this.deps, runId, false));
  }
}
