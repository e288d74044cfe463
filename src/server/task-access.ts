/**
 * Who may act on a task. The door of a route checks the coarse permission; here the task itself
 * decides: approvals need `tasks:decide` (approver, admin), manual tasks `tasks:work` (operator,
 * admin), and the caller must be among the task's assignees on a grant covering the run. An admin
 * counts as any assignee (the core still applies four-eyes to them).
 */
import {
  can,
  grantCovers,
  isAssignee,
  runScope,
  type AccessTarget,
  type Assignees,
  type Permission,
} from '../core/access/index.ts';
import type { RunState } from '../core/engine/index.ts';
import { TandemError } from '../core/errors.ts';
import type { TaskRow } from '../store/index.ts';
import type { Caller } from './auth.ts';

export const taskPermission = (kind: string): Permission =>
  kind === 'approval' ? 'tasks:decide' : 'tasks:work';

/** Who may act on the task now: the row's assignees (escalation and reassignment change them). */
export function assigneesOf(task: TaskRow): Assignees | null {
  if (task.assignees !== null) return JSON.parse(task.assignees) as Assignees;
  const spec = JSON.parse(task.spec) as { approvers?: Assignees; assignees?: Assignees };
  return spec.approvers ?? spec.assignees ?? null;
}

/** `team dba, users ann, bob` — for messages. */
export function describeAssignees(who: Assignees | null): string {
  if (!who) return 'anyone who may act on the run';
  const parts = [
    ...(who.role === undefined ? [] : [`role ${who.role}`]),
    ...(who.team === undefined ? [] : [`team ${who.team}`]),
    ...(who.users === undefined ? [] : [`users ${who.users.join(', ')}`]),
  ];
  return parts.join(', ');
}

/** Throws 403 with the reason when the caller may not act on this task of this run. */
export function authorizeTask(caller: Caller, task: TaskRow, run: RunState): void {
  const perm = taskPermission(task.kind);
  const what = task.kind === 'approval' ? 'decide on approvals' : 'work on manual tasks';
  if (!can(caller, perm))
    throw new TandemError(
      'forbidden',
      `${caller.subject} may not ${what}: that takes the ${task.kind === 'approval' ? 'approver' : 'operator'} or admin role`,
    );
  const scope = runScope(run.runbook, run.inputs);
  if (!can(caller, perm, scope))
    throw new TandemError(
      'forbidden',
      `${caller.subject} may not act on task ${task.id}: no grant covers the sites and labels of run ${run.id}`,
    );
  const who = assigneesOf(task);
  if (!isAssignee(caller, who, perm, scope))
    throw new TandemError(
      'forbidden',
      `${caller.subject} may not act on task ${task.id}: it is assigned to ${describeAssignees(who)}`,
    );
}

/**
 * Is the task meant for the caller, as the runbook (or a reassignment) names them? Like
 * `isAssignee` but without the admin's override, so an admin's inbox shows what is theirs.
 */
export function namedAssignee(
  caller: Caller,
  who: Assignees | null,
  perm: Permission,
  target: AccessTarget,
): boolean {
  if (!can(caller, perm, target)) return false;
  if (!who || (who.role === undefined && who.team === undefined && who.users === undefined)) return true;
  if (who.users?.includes(caller.username)) return true;
  if (who.team !== undefined && caller.teams.includes(who.team)) return true;
  return who.role !== undefined && caller.grants.some((g) => g.role === who.role && grantCovers(g, target));
}
