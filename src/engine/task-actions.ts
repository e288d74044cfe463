/**
 * What people do with tasks, each in one transaction with its audit entry: decide on an approval,
 * complete a manual task (its answers checked against the form), claim it, hand it to someone else.
 * The run's lock is taken before the task is read, so people acting at once are served in turn.
 */
import { TERMINAL_RUN, type Decision, type RunState } from '../core/engine/index.ts';
import { TandemError } from '../core/errors.ts';
import { checkAnswers } from '../core/runbook/index.ts';
import {
  appendAudit,
  appendRunEvents,
  approvalDecisions,
  findTask,
  findTeamByName,
  findUserByName,
  insertDecision,
  listDecisions,
  lockRunOfTask,
  updateOpenTask,
  type TaskRow,
  type Tx,
} from '../store/index.ts';
import { applyEvents, loadRun } from './apply.ts';
import type { EngineDeps } from './deps.ts';
import { runSignals } from './run-signals.ts';

/**
 * How a person's act on a task is checked and recorded: `authorize` throws when they may not act
 * on this task of this run (not among its assignees, no grant covering the run); `overrideClaim`
 * lets them act on a task someone else claimed (admins); with `address` set, the act is audited.
 */
export interface TaskAccountable {
  authorize?: (task: TaskRow, run: RunState) => void;
  overrideClaim?: boolean;
  /** The client address, for the audit trail; undefined means no audit entry (internal calls). */
  address?: string | null;
}

export interface TaskActResult {
  runId: string;
  step: string;
  stepStatus: string;
}

/** The task's spec as stored (the rendered step body). */
export const taskSpecOf = (task: TaskRow): Record<string, unknown> =>
  JSON.parse(task.spec) as Record<string, unknown>;

/** Lock the task's run, then read both: an open task someone may act on, or why not. */
async function openTask(tx: Tx, deps: EngineDeps, taskId: string, actor: string, acc: TaskAccountable) {
  const before = await findTask(tx.db, taskId);
  if (!before) throw new TandemError('not_found', `task ${taskId} does not exist`);
  await lockRunOfTask(tx.db, deps.store.dialect, before.run_id);
  const task = (await findTask(tx.db, taskId))!;
  const run = await loadRun(tx, deps, task.run_id, false);
  if (!run) throw new TandemError('not_found', `run ${task.run_id} of task ${taskId} does not exist`);
  if (task.status !== 'open') {
    const why = TERMINAL_RUN.has(run.status) ? ` (run ${run.id} ${run.status})` : '';
    throw new TandemError('conflict', `task ${taskId} is ${task.status}${why}: it takes no more decisions`);
  }
  if (TERMINAL_RUN.has(run.status))
    throw new TandemError('conflict', `run ${run.id} is ${run.status}: its tasks take no more decisions`);
  acc.authorize?.(task, run);
  if (task.claimed_by !== null && task.claimed_by !== actor && !acc.overrideClaim)
    throw new TandemError('conflict', `task ${taskId} is claimed by ${task.claimed_by}`);
  return { task, run };
}

function requireKind(task: TaskRow, kind: 'approval' | 'task'): void {
  if (task.kind === kind) return;
  throw new TandemError(
    'invalid_input',
    task.kind === 'approval'
      ? `task ${task.id} is an approval: send {"decision": "approve" | "reject", "comment": "…"}`
      : `task ${task.id} is a manual task: complete it with {"outputs": {…}} (its form's answers)`,
    { details: [{ path: 'body', message: `not for a task of kind ${task.kind}` }] },
  );
}

async function audit(
  tx: Tx,
  deps: EngineDeps,
  acc: TaskAccountable,
  actor: string,
  action: string,
  task: TaskRow,
  data: Record<string, unknown>,
) {
  if (acc.address === undefined) return;
  await appendAudit(
    tx,
    {
      actor,
      action,
      target: `task:${task.id}`,
      address: acc.address,
      data: { run_id: task.run_id, step: task.step_key, ...data },
    },
    deps.clock(),
  );
}

/** Apply a person's event to the task's run; a refusal answers 403 (who acts) or 409 (state). */
async function applyTaskEvent(
  tx: Tx,
  deps: EngineDeps,
  task: TaskRow,
  event: Parameters<typeof applyEvents>[2][number]['event'],
) {
  const { outcomes } = await applyEvents(tx, deps, [{ runId: task.run_id, event }]);
  const outcome = outcomes[0];
  if (!outcome) throw new TandemError('not_found', `run ${task.run_id} does not exist`);
  if (outcome.refused !== undefined)
    throw new TandemError(outcome.forbidden ? 'forbidden' : 'conflict', outcome.refused);
  const step = outcome.run.steps.get(task.step_key);
  return { runId: task.run_id, step: task.step_key, stepStatus: step?.status ?? 'unknown' };
}

/** Approve or reject an approval. A rejection must say why unless the step makes it optional. */
export async function decideTask(
  deps: EngineDeps,
  taskId: string,
  actor: string,
  decision: Decision['decision'],
  comment: string | null,
  acc: TaskAccountable = {},
): Promise<TaskActResult> {
  return deps.store.transaction(async (tx) => {
    const { task } = await openTask(tx, deps, taskId, actor, acc);
    requireKind(task, 'approval');
    const text = comment?.trim() ? comment : null;
    if (decision === 'reject' && text === null && taskSpecOf(task).reject_comment !== 'optional')
      throw new TandemError('invalid_input', 'a rejection needs a comment saying why', {
        details: [{ path: 'body.comment', message: 'required when rejecting' }],
      });
    const decisions = approvalDecisions(await listDecisions(tx.db, taskId));
    const result = await applyTaskEvent(tx, deps, task, {
      type: 'decision',
      key: task.step_key,
      taskId,
      decision: { actor, decision, comment: text },
      decisions,
    });
    await insertDecision(tx.db, { taskId, actor, decision, comment: text, now: deps.clock() });
    await audit(tx, deps, acc, actor, 'task.decided', task, { decision, comment: text });
    return result;
  });
}

/**
 * Complete a manual task: the answers must pass its form (400 naming each field otherwise) and
 * become the step's outputs.
 */
export async function completeTask(
  deps: EngineDeps,
  taskId: string,
  actor: string,
  answers: Record<string, unknown>,
  acc: TaskAccountable = {},
): Promise<TaskActResult> {
  return deps.store.transaction(async (tx) => {
    const { task } = await openTask(tx, deps, taskId, actor, acc);
    requireKind(task, 'task');
    const form = taskSpecOf(task).form as Record<string, unknown>;
    const checked = checkAnswers(form, answers);
    if (!checked.ok)
      throw new TandemError(
        'invalid_input',
        `the answers do not fit the form: ${checked.problems.map((p) => `${p.path} ${p.message}`).join('; ')}`,
        { details: checked.problems },
      );
    const result = await applyTaskEvent(tx, deps, task, {
      type: 'task.complete',
      key: task.step_key,
      taskId,
      actor,
      answers: checked.answers,
    });
    await insertDecision(tx.db, {
      taskId,
      actor,
      decision: 'complete',
      comment: null,
      outputs: checked.answers,
      now: deps.clock(),
    });
    await audit(tx, deps, acc, actor, 'task.completed', task, {
      fields: Object.keys(checked.answers).sort(),
    });
    return result;
  });
}

/** A run event about a task that changes no step (claimed, assigned), seen by live views at commit. */
async function recordTaskEvent(
  tx: Tx,
  deps: EngineDeps,
  task: TaskRow,
  type: string,
  actor: string,
  data: object,
) {
  await appendRunEvents(
    tx.db,
    [{ runId: task.run_id, type, stepKey: task.step_key, actor, data: { task_id: task.id, ...data } }],
    deps.clock(),
  );
  tx.afterCommit(() => runSignals.changed(task.run_id));
}

/** Take a manual task: the others see it is being worked on, and only its claimer completes it. */
export async function claimTask(
  deps: EngineDeps,
  taskId: string,
  actor: string,
  acc: TaskAccountable = {},
): Promise<TaskRow> {
  return deps.store.transaction(async (tx) => {
    const { task } = await openTask(tx, deps, taskId, actor, acc);
    if (task.kind !== 'task')
      throw new TandemError('conflict', `task ${taskId} is an approval: approvals are not claimed`);
    await updateOpenTask(tx.db, taskId, { claimedBy: actor });
    await recordTaskEvent(tx, deps, task, 'task.claimed', actor, {});
    await audit(tx, deps, acc, actor, 'task.claimed', task, {});
    return (await findTask(tx.db, taskId))!;
  });
}

/** Hand a manual task to a user or a team: they become its assignees, and any claim is dropped. */
export async function assignTask(
  deps: EngineDeps,
  taskId: string,
  actor: string,
  to: { user?: string; team?: string },
  acc: TaskAccountable = {},
): Promise<TaskRow> {
  return deps.store.transaction(async (tx) => {
    const { task } = await openTask(tx, deps, taskId, actor, acc);
    if (task.kind !== 'task')
      throw new TandemError(
        'conflict',
        `task ${taskId} is an approval: its approvers are set by the runbook, not reassigned`,
      );
    if (to.user !== undefined && !(await findUserByName(tx.db, to.user)))
      throw new TandemError('not_found', `user ${to.user} does not exist`);
    if (to.team !== undefined && !(await findTeamByName(tx.db, to.team)))
      throw new TandemError('not_found', `team ${to.team} does not exist`);
    const assignees = to.user !== undefined ? { users: [to.user] } : { team: to.team! };
    await updateOpenTask(tx.db, taskId, { claimedBy: null, assignees });
    await recordTaskEvent(tx, deps, task, 'task.assigned', actor, { assignees });
    await audit(tx, deps, acc, actor, 'task.assigned', task, { assignees });
    return (await findTask(tx.db, taskId))!;
  });
}
