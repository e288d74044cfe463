/**
 * Checks of the steps that wait for people, beyond what the schema says: roles that exist, a
 * deadline and a target for escalation, `distinct_from` naming earlier approvals, a quorum that
 * can be reached, and a task form that is a valid JSON Schema.
 */
import { isRole, roles } from '../access/roles.ts';
import { ancestors } from './dag.ts';
import { formProblem } from './form.ts';
import type { AssigneesSpec, CompensateSpec, Runbook } from './model.ts';
import type { ProblemList } from './problems.ts';
import { didYouMean } from './suggest.ts';
import type { PathSegment } from './yaml-source.ts';

function checkAssignees(who: AssigneesSpec | undefined, path: PathSegment[], problems: ProblemList): void {
  if (who === undefined) return;
  if (who.role === undefined && who.team === undefined && who.users === undefined)
    problems.add(path, 'name who may act: give role, team or users');
  if (who.role !== undefined && !isRole(who.role))
    problems.add(
      [...path, 'role'],
      `"${who.role}" is not a role (roles are ${roles.join(', ')}); to name a team, write team: ${who.role}`,
    );
}

/** Deadline fields shared by approvals and tasks. */
function checkDeadline(
  body: { timeout?: string | undefined; on_timeout: string; escalate?: { to: AssigneesSpec } | undefined },
  path: PathSegment[],
  problems: ProblemList,
): void {
  if (body.on_timeout === 'escalate') {
    if (body.escalate === undefined)
      problems.add([...path, 'on_timeout'], 'on_timeout: escalate needs an escalate: { to, timeout } block');
    if (body.timeout === undefined)
      problems.add(
        [...path, 'on_timeout'],
        'on_timeout: escalate needs a timeout: the deadline to escalate at',
      );
  } else if (body.escalate !== undefined) {
    problems.add([...path, 'escalate'], 'escalate is used only with on_timeout: escalate', { at: 'key' });
  }
  if (body.escalate) checkAssignees(body.escalate.to, [...path, 'escalate', 'to'], problems);
}

interface StepInfo {
  section: 'steps' | 'finally';
  approval: boolean;
}

function checkBody(
  body: CompensateSpec,
  path: PathSegment[],
  here: { id: string; section: 'steps' | 'finally'; earlier: () => Set<string> },
  steps: Map<string, StepInfo>,
  problems: ProblemList,
): void {
  const approval = body.approval;
  if (approval) {
    const at = [...path, 'approval'];
    checkAssignees(approval.approvers, [...at, 'approvers'], problems);
    checkDeadline(approval, at, problems);
    const users = approval.approvers?.users;
    if (users && approval.approvers?.team === undefined && approval.approvers?.role === undefined) {
      const distinct = new Set(users).size;
      if (approval.quorum > distinct)
        problems.add(
          [...at, 'quorum'],
          `a quorum of ${approval.quorum} cannot be reached: only ${distinct} user${distinct === 1 ? '' : 's'} may approve`,
        );
    }
    approval.distinct_from?.forEach((id, i) => {
      const p = [...at, 'distinct_from', i];
      const info = steps.get(id);
      if (id === here.id) problems.add(p, `"${id}" is this step; name earlier approval steps`);
      else if (!info) problems.add(p, `no step has the id "${id}"${didYouMean(id, steps.keys())}`);
      else if (!info.approval) problems.add(p, `step "${id}" is not an approval step`);
      else if (!(here.section === 'finally' && info.section === 'steps') && !here.earlier().has(id))
        problems.add(
          p,
          `step "${id}" is not among this step's needs (directly or transitively), so it may not have been decided yet: add it to needs`,
        );
    });
  }
  const task = body.task;
  if (task) {
    const at = [...path, 'task'];
    checkAssignees(task.assignees, [...at, 'assignees'], problems);
    checkDeadline(task, at, problems);
    const problem = formProblem(task.form);
    if (problem !== undefined) problems.add([...at, 'form'], problem);
  }
}

/** Adds a problem for each approval or task step that breaks a rule above. */
export function checkTasks(spec: Runbook['spec'], problems: ProblemList): void {
  const steps = new Map<string, StepInfo>();
  const sections = [
    ['steps', spec.steps],
    ['finally', spec.finally ?? []],
  ] as const;
  for (const [section, list] of sections)
    for (const s of list)
      if (!steps.has(s.id)) steps.set(s.id, { section, approval: s.approval !== undefined });
  for (const [section, list] of sections) {
    list.forEach((step, i) => {
      const path: PathSegment[] = ['spec', section, i];
      const here = { id: step.id, section, earlier: () => ancestors(list, step.id) };
      checkBody(step, path, here, steps, problems);
      if (step.compensate) checkBody(step.compensate, [...path, 'compensate'], here, steps, problems);
    });
  }
}
