/** How runs, steps, tasks and events look in the API. Times are RFC 3339 strings. */
import type { CommentRow, RunEventRow, RunRow, StepRow, TaskRow } from '../store/index.ts';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const parse = (text: string | null): unknown => (text === null ? null : JSON.parse(text));

/** A decision as the views take it (approve, reject, or complete with the answers given). */
export interface DecisionLike {
  actor: string;
  decision: string;
  comment: string | null;
  outputs?: unknown;
  createdAt: number;
}

/**
 * A task: what it asks, who may act now (`assignees`, changed by escalation or reassignment), its
 * deadline and the decisions taken. Approvals add their rules; manual tasks their form.
 */
export function taskView(t: TaskRow, decisions: DecisionLike[] = []) {
  const spec = parse(t.spec) as Record<string, unknown>;
  const approval = t.kind === 'approval';
  return {
    id: t.id,
    kind: t.kind,
    status: t.status,
    run_id: t.run_id,
    step: t.step_key,
    title: t.title ?? ((approval ? spec.message : spec.title) as string | undefined) ?? null,
    message: (approval ? spec.message : spec.description) ?? null,
    assignees: parse(t.assignees) ?? (approval ? spec.approvers : spec.assignees) ?? null,
    level: t.level,
    claimed_by: t.claimed_by,
    ...(approval
      ? {
          approvers: spec.approvers ?? null,
          quorum: spec.quorum ?? 1,
          four_eyes: spec.four_eyes ?? false,
          distinct_from: spec.distinct_from ?? [],
          excluded: spec.excluded ?? [],
          reject_comment: spec.reject_comment ?? 'required',
          approvals: decisions.filter((d) => d.decision === 'approve').length,
        }
      : { quorum: 1, form: spec.form ?? null }),
    deadline: iso(t.deadline),
    created_at: iso(t.created_at),
    closed_at: iso(t.closed_at),
    decisions: decisions.map((d) => ({
      actor: d.actor,
      decision: d.decision,
      comment: d.comment,
      ...(d.outputs === undefined || d.outputs === null ? {} : { outputs: d.outputs }),
      at: iso(d.createdAt),
    })),
  };
}

/** An attachment without its bytes. */
export function attachmentView(a: {
  id: string;
  task_id: string;
  run_id: string;
  name: string;
  content_type: string;
  size: number;
  sha256: string;
  uploaded_by: string;
  created_at: number;
}) {
  return {
    id: a.id,
    task_id: a.task_id,
    run_id: a.run_id,
    name: a.name,
    content_type: a.content_type,
    size: a.size,
    sha256: a.sha256,
    uploaded_by: a.uploaded_by,
    created_at: iso(a.created_at),
  };
}

/** A comment on a run, with the users it mentions. */
export function commentView(c: CommentRow) {
  return {
    id: c.id,
    run_id: c.run_id,
    author: c.author,
    body: c.body,
    mentions: parse(c.mentions) as string[],
    created_at: iso(c.created_at),
  };
}

export function stepView(s: StepRow, task?: ReturnType<typeof taskView>) {
  return {
    id: s.key,
    step_id: s.step_id,
    phase: s.phase,
    status: s.status,
    attempt: s.attempt,
    max_attempts: s.max_attempts,
    ...(s.item_index === null ? {} : { item_index: s.item_index, item: parse(s.item) }),
    outputs: parse(s.outputs) ?? {},
    result: parse(s.result),
    error: s.error,
    agent: s.agent,
    site: s.site,
    child_run_id: s.child_run_id,
    task: task ?? null,
    created_at: iso(s.created_at),
    started_at: iso(s.started_at),
    finished_at: iso(s.finished_at),
  };
}

export function runSummaryView(r: RunRow) {
  return {
    id: r.id,
    runbook: r.runbook,
    version: r.runbook_version,
    status: r.status,
    phase: r.phase,
    error: r.error,
    parent_run_id: r.parent_run_id,
    created_by: r.created_by,
    created_at: iso(r.created_at),
    started_at: iso(r.started_at),
    finished_at: iso(r.finished_at),
  };
}

export function runView(r: RunRow, steps: StepRow[], tasks: Map<string, ReturnType<typeof taskView>>) {
  return {
    ...runSummaryView(r),
    inputs: parse(r.inputs),
    outputs: parse(r.outputs),
    concurrency_key: r.concurrency_key,
    steps: steps.map((s) => stepView(s, s.task_id ? tasks.get(s.task_id) : undefined)),
  };
}

export function eventView(e: RunEventRow) {
  return {
    id: e.id,
    run_id: e.run_id,
    type: e.type,
    step: e.step_key,
    attempt: e.attempt,
    actor: e.actor,
    data: parse(e.data),
    at: iso(e.created_at),
  };
}
