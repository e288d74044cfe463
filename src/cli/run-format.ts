/** How runs, their events and their logs read in a terminal. */
import type { LogChunk, RunDetail, RunEvent, RunSummary, StepView, TaskView } from './api-types.ts';
import { cell, formatDateTime, formatTime, pairs, summarize, table } from './output.ts';

/** `HH:MM:SS type step #attempt actor data`, one line per run event. */
export function formatEventLine(e: RunEvent): string {
  const attempt = e.attempt === null || e.attempt === undefined ? '-' : `#${e.attempt}`;
  return [formatTime(e.at), e.type.padEnd(18), cell(e.step), attempt, cell(e.actor), summarize(e.data)]
    .join(' ')
    .trimEnd();
}

/** Where a step ran: `site/agent`, one of them, or `-`. */
export function where(s: Pick<StepView, 'site' | 'agent'>): string {
  if (s.site && s.agent) return `${s.site}/${s.agent}`;
  return s.site ?? s.agent ?? '-';
}

/** The header, the step table and the tasks waiting for someone. */
export function formatRun(run: RunDetail): string {
  const lines = [
    `run ${run.id}  (${run.runbook} version ${run.version})`,
    `status:    ${run.status}${run.error ? `: ${run.error}` : ''}`,
    `created:   ${formatDateTime(run.created_at)}   started: ${formatDateTime(run.started_at)}   finished: ${formatDateTime(run.finished_at)}`,
    `inputs:    ${pairs(run.inputs ?? {})}`,
  ];
  if (run.outputs && Object.keys(run.outputs).length > 0) lines.push(`outputs:   ${pairs(run.outputs)}`);
  if (run.steps.length > 0) {
    const rows = run.steps.map((s) => [
      s.id,
      s.status,
      s.attempt,
      where(s),
      s.child_run_id ? `child run ${s.child_run_id}` : s.error,
    ]);
    lines.push('', table(['STEP', 'STATUS', 'ATTEMPT', 'SITE/AGENT', 'ERROR'], rows));
  }
  const waiting = run.steps.flatMap((s) => (s.task && s.task.status === 'open' ? [s.task] : []));
  if (waiting.length > 0) lines.push('', 'waiting for people:', ...waiting.map(formatTask));
  return lines.join('\n');
}

/** One waiting task on two indented lines, the second saying how to act on it. */
export function formatTask(t: TaskView): string {
  const approvals = t.decisions.filter((d) => d.decision === 'approve').length;
  const facts = [
    ...(t.kind === 'approval' ? [`${approvals}/${t.quorum} approvals`] : []),
    ...(t.deadline ? [`deadline ${formatDateTime(t.deadline)}`] : []),
    t.kind === 'task' ? `tandem complete ${t.id}` : `tandem approve|reject ${t.id}`,
  ];
  return `  task ${t.id} (${t.kind}) on step ${t.step}${t.message ? `: ${t.message}` : ''}\n    ${facts.join(', ')}`;
}

export function formatRunList(runs: RunSummary[]): string {
  const rows = runs.map((r) => [
    r.id,
    r.runbook,
    r.version,
    r.status,
    formatDateTime(r.created_at),
    formatDateTime(r.finished_at),
    r.error,
  ]);
  return table(['ID', 'RUNBOOK', 'VERSION', 'STATUS', 'CREATED', 'FINISHED', 'ERROR'], rows);
}

export function formatInbox(tasks: TaskView[]): string {
  const rows = tasks.map((t) => {
    const approvals = t.decisions.filter((d) => d.decision === 'approve').length;
    return [
      t.id,
      t.kind,
      t.run_id,
      t.step,
      `${approvals}/${t.quorum}`,
      formatDateTime(t.deadline),
      t.message,
    ];
  });
  return table(['TASK', 'KIND', 'RUN', 'STEP', 'APPROVALS', 'DEADLINE', 'MESSAGE'], rows);
}

/**
 * Log chunks as raw text; with `prefix`, each line starts with `[step] `. A chunk may end
 * mid-line, so whether the next chunk of the same step starts a line is remembered.
 */
export class LogPrinter {
  private readonly midLine = new Map<string, boolean>();
  private readonly prefix: boolean;

  constructor(prefix: boolean) {
    this.prefix = prefix;
  }

  format(chunk: Pick<LogChunk, 'step' | 'data'>): string {
    if (!this.prefix) return chunk.data;
    let mid = this.midLine.get(chunk.step) ?? false;
    let out = '';
    for (const piece of chunk.data.split(/(?<=\n)/)) {
      if (piece === '') continue;
      if (!mid) out += `[${chunk.step}] `;
      out += piece;
      mid = !piece.endsWith('\n');
    }
    this.midLine.set(chunk.step, mid);
    return out;
  }
}
