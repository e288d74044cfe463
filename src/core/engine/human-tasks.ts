/**
 * Steps that wait for people: an approval (approve or reject, until a quorum of distinct people
 * approve) and a manual task (someone does the work and answers its form). Each opens a task the
 * shell stores; decisions, completions and deadlines come back as events.
 */
import type { ExprContext } from '../expr/index.ts';
import { renderTemplate } from '../expr/index.ts';
import { errorMessage } from '../errors.ts';
import { answersAsOutputs, parseDuration } from '../runbook/index.ts';
import type { ApprovalSpec, CompensateSpec, EscalateSpec } from '../runbook/model.ts';
import { expressionContext } from './context.ts';
import type { Draft } from './draft.ts';
import { renderApproval, renderTask } from './render.ts';
import { bodyOf, stepSpec } from './spec-index.ts';
import { failStep, succeedStep } from './step-lifecycle.ts';
import { MAX_OUTPUT_BYTES } from './limits.ts';
import type { Assignees, EngineEvent, StepState } from './types.ts';

type DecisionEvent = Extract<EngineEvent, { type: 'decision' }>;
type CompleteEvent = Extract<EngineEvent, { type: 'task.complete' }>;
export type DeadlineKind = 'approval-deadline' | 'task-deadline' | 'escalation-deadline';

/** What `decided_by` says when the deadline approved or rejected, not a person. */
export const DEADLINE_ACTOR = 'deadline';

/**
 * Who may not approve, with the reason: under four-eyes the person who started the run, and with
 * `distinct_from` whoever approved one of those earlier steps (their `decided_by` outputs).
 */
export function excludedApprovers(d: Draft, spec: Pick<ApprovalSpec, 'four_eyes' | 'distinct_from'>) {
  const out = new Map<string, string>();
  const starter = d.run.createdBy;
  if (spec.four_eyes && starter)
    out.set(starter, 'four-eyes: the person who started the run cannot approve it');
  for (const id of spec.distinct_from ?? []) {
    const outputs = d.get(id)?.outputs ?? [];
    for (const o of Array.isArray(outputs) ? outputs : [outputs]) {
      for (const who of (o.decided_by ?? '').split(',')) {
        if (who === '' || who === DEADLINE_ACTOR || out.has(who)) continue;
        out.set(who, `${who} approved step ${id}; this approval must come from someone else (distinct_from)`);
      }
    }
  }
  return out;
}

/** Open the approval of a started step: a task for its approvers and, with a timeout, a deadline. */
export function startApproval(d: Draft, key: string, body: CompensateSpec, ctx: ExprContext): void {
  const s = d.edit(key);
  s.attempt += 1;
  const spec = renderApproval(body, ctx);
  const deadline = spec.timeout ? d.now + parseDuration(spec.timeout) : null;
  const excluded = [...excludedApprovers(d, spec).keys()];
  openTask(d, s, {
    kind: 'approval',
    spec: { ...spec, excluded },
    title: spec.message ?? null,
    assignees: spec.approvers ?? null,
    deadline,
    timer: 'approval-deadline',
  });
}

/** Open a manual task: its rendered title and description, its form, its assignees. */
export function startManualTask(d: Draft, key: string, body: CompensateSpec, ctx: ExprContext): void {
  const s = d.edit(key);
  s.attempt += 1;
  const spec = renderTask(body, ctx);
  const deadline = spec.timeout ? d.now + parseDuration(spec.timeout) : null;
  openTask(d, s, {
    kind: 'task',
    spec,
    title: spec.title,
    assignees: spec.assignees,
    deadline,
    timer: 'task-deadline',
  });
}

function openTask(
  d: Draft,
  s: StepState,
  t: {
    kind: 'approval' | 'task';
    spec: unknown;
    title: string | null;
    assignees: Assignees | null;
    deadline: number | null;
    timer: DeadlineKind;
  },
): void {
  const taskId = d.input.newId();
  s.taskId = taskId;
  s.status = 'waiting';
  const { key } = s;
  d.emit({
    type: 'task.create',
    taskId,
    key,
    kind: t.kind,
    spec: t.spec,
    title: t.title,
    assignees: t.assignees,
    deadline: t.deadline,
  });
  if (t.deadline !== null)
    d.emit({ type: 'timer', kind: t.timer, key, attempt: s.attempt, dueAt: t.deadline });
  d.record('task.created', {
    key,
    data: {
      task_id: taskId,
      kind: t.kind,
      ...(t.kind === 'approval' ? { message: t.title } : { title: t.title }),
      assignees: t.assignees,
      deadline: t.deadline,
    },
  });
}

/** The open task of a step, or why there is none. */
function openStep(d: Draft, key: string, taskId: string): StepState | string {
  const s = d.get(key);
  if (s?.status !== 'waiting' || s.taskId !== taskId) return 'the task is no longer open';
  return s;
}

/** A person decided on an approval; the quorum counts distinct approvers. */
export function applyDecision(d: Draft, event: DecisionEvent): string | undefined {
  const s = openStep(d, event.key, event.taskId);
  if (typeof s === 'string') return s;
  const spec = bodyOf(d.run.runbook, s).approval;
  if (!spec) return 'the step is not an approval';
  const { actor, decision, comment } = event.decision;
  const excluded = excludedApprovers(d, spec).get(actor);
  if (excluded !== undefined && decision === 'approve') {
    d.forbidden = true;
    return excluded;
  }
  if (event.decisions.some((x) => x.actor === actor)) return `${actor} has already decided on this task`;
  d.record('task.decided', { key: event.key, actor, data: { task_id: event.taskId, decision, comment } });
  if (decision === 'reject') {
    d.emit({ type: 'task.close', taskId: event.taskId, status: 'rejected' });
    const w = d.edit(event.key);
    w.outputs = { decision: 'rejected', decided_by: actor, comment: comment ?? '' };
    failStep(d, event.key, `rejected by ${actor}${comment ? `: ${comment}` : ''}`, false);
    return;
  }
  const approvers = [...event.decisions.filter((x) => x.decision === 'approve').map((x) => x.actor), actor];
  if (approvers.length < spec.quorum) return;
  d.emit({ type: 'task.close', taskId: event.taskId, status: 'approved' });
  succeedStep(
    d,
    event.key,
    { decision: 'approved', decided_by: approvers.join(','), comment: comment ?? '' },
    null,
  );
  return;
}

/**
 * A person completed a manual task. Its answers (already checked against the form) become the
 * step's outputs, as text; the step's own `outputs:` may compute more from them (`result`).
 */
export function applyCompletion(d: Draft, event: CompleteEvent): string | undefined {
  const s = openStep(d, event.key, event.taskId);
  if (typeof s === 'string') return s;
  if (!bodyOf(d.run.runbook, s).task) return 'the step is not a manual task';
  let outputs = answersAsOutputs(event.answers);
  const spec = stepSpec(d.run.runbook, s.stepId);
  let error: string | undefined;
  if (s.phase !== 'compensate' && spec.outputs) {
    try {
      const ctx = expressionContext(d, s, { result: event.answers, outputs });
      outputs = { ...outputs };
      for (const [name, tpl] of Object.entries(spec.outputs)) outputs[name] = renderTemplate(tpl, ctx);
    } catch (err: unknown) {
      error = `outputs: ${errorMessage(err)}`;
    }
  }
  if (Buffer.byteLength(JSON.stringify(outputs)) > MAX_OUTPUT_BYTES)
    return `the answers exceed ${MAX_OUTPUT_BYTES} bytes`;
  d.record('task.completed', { key: event.key, actor: event.actor, data: { task_id: event.taskId } });
  d.emit({ type: 'task.close', taskId: event.taskId, status: 'completed' });
  if (error !== undefined) {
    const w = d.edit(event.key);
    w.result = { answers: event.answers };
    failStep(d, event.key, error, false);
    return;
  }
  succeedStep(d, event.key, outputs, { answers: event.answers });
  return;
}

/** A deadline of a task passed: escalate it, or end the step as `on_timeout` says. */
export function applyTaskDeadline(d: Draft, kind: DeadlineKind, s: StepState): string | undefined {
  if (s.status !== 'waiting' || !s.taskId) return 'stale timer';
  const body = bodyOf(d.run.runbook, s);
  const first = kind !== 'escalation-deadline';
  if (body.approval && kind !== 'task-deadline') {
    const a = body.approval;
    if (first && a.on_timeout === 'escalate' && a.escalate) return escalate(d, s, a.escalate);
    const onTimeout = first ? a.on_timeout : (a.escalate?.on_timeout ?? 'reject');
    d.record('approval.timed_out', { key: s.key, data: { on_timeout: onTimeout, escalated: !first } });
    if (onTimeout === 'approve') {
      d.emit({ type: 'task.close', taskId: s.taskId, status: 'approved' });
      succeedStep(d, s.key, { decision: 'approved', decided_by: DEADLINE_ACTOR, comment: '' }, null);
      return;
    }
    d.emit({ type: 'task.close', taskId: s.taskId, status: 'expired' });
    const w = d.edit(s.key);
    w.outputs = { decision: 'rejected', decided_by: DEADLINE_ACTOR, comment: '' };
    const reason = onTimeout === 'fail' ? 'the approval deadline passed' : 'rejected: the deadline passed';
    failStep(d, s.key, reason, false);
    return;
  }
  if (body.task && kind !== 'approval-deadline') {
    const t = body.task;
    if (first && t.on_timeout === 'escalate' && t.escalate) return escalate(d, s, t.escalate);
    d.record('task.timed_out', { key: s.key, data: { on_timeout: 'fail', escalated: !first } });
    d.emit({ type: 'task.close', taskId: s.taskId, status: 'expired' });
    failStep(d, s.key, 'the task deadline passed', false);
    return;
  }
  return 'stale timer';
}

/** Move the task to other people with a new deadline; decisions already taken still count. */
function escalate(d: Draft, s: StepState, e: EscalateSpec): undefined {
  const deadline = d.now + parseDuration(e.timeout);
  const taskId = s.taskId!;
  d.emit({ type: 'task.escalate', taskId, assignees: e.to, deadline, level: 1 });
  d.emit({ type: 'timer', kind: 'escalation-deadline', key: s.key, attempt: s.attempt, dueAt: deadline });
  d.record('task.escalated', { key: s.key, data: { task_id: taskId, assignees: e.to, deadline } });
  return undefined;
}
