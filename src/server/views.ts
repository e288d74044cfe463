/** How runs, steps, tasks and events look in the API. Times are RFC 3339 strings. */
import type { RunEventRow, RunRow, StepRow, TaskRow } from '../store/index.ts';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const parse = (text: string | null): unknown => (text === null ? null : JSON.parse(text));

export function taskView(
  t: TaskRow,
  decisions: { actor: string; decision: string; comment: string | null; createdAt: number }[] = [],
) {
  const spec = parse(t.spec) as Record<string, unknown>;
  return {
    id: t.id,
    kind: t.kind,
    status: t.status,
    run_id: t.run_id,
    step: t.step_key,
    message: spec.message ?? null,
    approvers: spec.approvers ?? null,
    quorum: spec.quorum ?? 1,
    four_eyes: spec.four_eyes ?? false,
    deadline: iso(t.deadline),
    created_at: iso(t.created_at),
    closed_at: iso(t.closed_at),
    decisions: decisions.map((d) => ({
      actor: d.actor,
      decision: d.decision,
      comment: d.comment,
      at: iso(d.createdAt),
    })),
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
