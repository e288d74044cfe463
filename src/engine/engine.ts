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
  appendAudit,
  type AppliedRunbook,
} from '../store/index.ts';
import { runScope, type AccessTarget } from '../core/access/index.ts';
import { applyEvents, loadRun } from './apply.ts';
import type { EngineDeps } from './deps.ts';
import { newRunState } from './new-run.ts';

export type RunAction = 'cancel' | 'pause' | 'resume' | 'retry';

/**
 * How a person's request is checked and recorded inside the engine's transaction: `authorize`
 * throws when the caller may not act on what the runbook and inputs reach; the audit entry is
 * appended in the same transaction as the change.
 */
export interface Accountable {
  authorize?: (scope: AccessTarget) => void;
  /** The client address, for the audit trail; undefined means no audit entry (internal calls). */
  address?: string | null;
}

export class Engine {
  constructor(readonly deps: EngineDeps) {}

  /** Validate and store a runbook; identical text is a no-op, changed text a new version. */
  async applyRunbook(source: string, actor: string | null, acc: Accountable = {}): Promise<AppliedRunbook> {
    const runbook = parseRunbook(source);
    const hash = runbookHash(source);
    acc.authorize?.({ labels: runbook.metadata.labels ?? {} });
    return this.deps.store.transaction(async (tx) => {
      const now = this.deps.clock();
      const applied = await applyRunbook(tx.db, { source, hash, runbook, actor, now });
      if (applied.created && acc.address !== undefined)
        await appendAudit(
          tx,
          {
            actor: actor ?? 'system',
            action: 'runbook.applied',
            target: `runbook:${applied.name}`,
            address: acc.address,
            data: { version: applied.version, hash },
          },
          now,
        );
      return applied;
    });
  }

  /** Start a run of the runbook's latest (or given) version; bad inputs are refused here. */
  async startRun(args: {
    runbook: string;
    version?: number;
    inputs?: unknown;
    actor: string | null;
    accountable?: Accountable;
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
      args.accountable?.authorize?.(runScope(runbook, inputs));
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
      if (args.accountable?.address !== undefined)
        await appendAudit(
          tx,
          {
            actor: args.actor ?? 'system',
            action: 'run.started',
            target: `run:${run.id}`,
            address: args.accountable.address,
            data: { runbook: args.runbook, version: row.version, inputs: Object.keys(inputs).sort() },
          },
          clock(),
        );
      return { id: run.id, status: outcome.run.status };
    });
  }

  /** Cancel, pause, resume or retry a run; refused actions answer with a conflict saying why. */
  async act(
    runId: string,
    action: RunAction,
    actor: string | null,
    opts: { compensate?: boolean; accountable?: Accountable } = {},
  ) {
    const event: EngineEvent =
      action === 'cancel'
        ? { type: 'cancel', actor, compensate: opts.compensate ?? false }
        : { type: action, actor };
    return this.apply(runId, event, opts.accountable);
  }

  /** Apply one event to a run in its own transaction; a refusal throws a conflict. */
  async apply(runId: string, event: EngineEvent, acc?: Accountable): Promise<RunState> {
    return this.deps.store.transaction(async (tx) => {
      if (acc?.authorize) {
        const run = await loadRun(tx, this.deps, runId, false);
        if (!run) throw new TandemError('not_found', `run ${runId} does not exist`);
        acc.authorize(runScope(run.runbook, run.inputs));
      }
      const { outcomes } = await applyEvents(tx, this.deps, [{ runId, event }]);
      const outcome = outcomes[0];
      if (!outcome) throw new TandemError('not_found', `run ${runId} does not exist`);
      if (outcome.refused !== undefined) throw new TandemError('conflict', outcome.refused);
      if (acc?.address !== undefined && 'actor' in event)
        await appendAudit(
          tx,
          {
            actor: event.actor ?? 'system',
            action: `run.${event.type}`,
            target: `run:${runId}`,
            address: acc.address,
            data: event.type === 'cancel' ? { compensate: event.compensate } : {},
          },
          this.deps.clock(),
        );
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
