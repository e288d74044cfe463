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
  runbookDefinition,
  appendAudit,
  type AppliedRunbook,
  type Tx,
} from '../store/index.ts';
import { runScope, type AccessTarget } from '../core/access/index.ts';
import { applyEvents, loadRun } from './apply.ts';
import type { EngineDeps } from './deps.ts';
import { newRunState } from './new-run.ts';
import { assignTask, claimTask, completeTask, decideTask, type TaskAccountable } from './task-actions.ts';

export type RunAction = 'cancel' | 'pause' | 'resume' | 'retry';

export interface StartRunArgs {
  runbook: string;
  version?: number;
  inputs?: unknown;
  actor: string | null;
  accountable?: Accountable;
}

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
  async startRun(args: StartRunArgs): Promise<{ id: string; status: string }> {
    return this.deps.store.transaction((tx) => this.startRunIn(tx, args));
  }

  /** As `startRun`, inside the caller's transaction (a rule records its decision with the run). */
  async startRunIn(tx: Tx, args: StartRunArgs): Promise<{ id: string; status: string }> {
    const { clock, newId } = this.deps;
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

  /** A person's decision on an approval task (see task-actions.ts). */
  async decide(
    taskId: string,
    actor: string,
    decision: Decision['decision'],
    comment: string | null,
    acc: TaskAccountable = {},
  ) {
    return decideTask(this.deps, taskId, actor, decision, comment, acc);
  }

  /** A person's answers to a manual task's form; they become the step's outputs. */
  async complete(taskId: string, actor: string, answers: Record<string, unknown>, acc: TaskAccountable = {}) {
    return completeTask(this.deps, taskId, actor, answers, acc);
  }

  /** Claim a manual task for `actor`. */
  async claim(taskId: string, actor: string, acc: TaskAccountable = {}) {
    return claimTask(this.deps, taskId, actor, acc);
  }

  /** Hand a manual task to a user or a team. */
  async assign(
    taskId: string,
    actor: string,
    to: { user?: string; team?: string },
    acc: TaskAccountable = {},
  ) {
    return assignTask(this.deps, taskId, actor, to, acc);
  }

  /** A run's current state: one consistent read, without taking the run's lock from writers. */
  async getRun(runId: string): Promise<RunState | undefined> {
    return this.deps.store.transaction((tx) => loadRun(tx, this.deps, runId, false));
  }
}
