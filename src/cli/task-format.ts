/** How tasks read in a terminal: the inbox table and one task in full. */
import type { Decision } from './api-types.ts';
import { cell, formatDateTime, pairs, table } from './output.ts';

/** A task as `GET /api/v1/tasks/:id` and the inbox answer it. */
export interface TaskDetail {
  id: string;
  kind: string;
  status: string;
  run_id: string;
  step: string;
  title: string | null;
  message: string | null;
  assignees: { role?: string; team?: string; users?: string[] } | null;
  level: number;
  claimed_by: string | null;
  quorum: number;
  approvals?: number;
  four_eyes?: boolean;
  excluded?: string[];
  reject_comment?: string;
  form?: { properties?: Record<string, { type?: string; description?: string }>; required?: string[] } | null;
  deadline: string | null;
  created_at: string;
  decisions: (Decision & { outputs?: unknown })[];
  attachments?: {
    id: string;
    name: string;
    size: number;
    sha256: string;
    uploaded_by: string;
    created_at: string;
  }[];
}

export function formatAssignees(a: TaskDetail['assignees']): string {
  if (!a) return 'anyone allowed';
  return [
    ...(a.role ? [`role ${a.role}`] : []),
    ...(a.team ? [`team ${a.team}`] : []),
    ...(a.users ? [`users ${a.users.join(',')}`] : []),
  ].join(' ');
}

/** `1/2` approvals, or who claimed a manual task. */
function progress(t: TaskDetail): string {
  if (t.kind === 'approval')
    return `${t.approvals ?? t.decisions.filter((d) => d.decision === 'approve').length}/${t.quorum}`;
  return t.claimed_by ? `claimed by ${t.claimed_by}` : '';
}

export function formatInboxTable(tasks: TaskDetail[]): string {
  const rows = tasks.map((t) => [
    t.id,
    t.kind,
    t.run_id,
    t.step,
    formatAssignees(t.assignees),
    progress(t),
    formatDateTime(t.deadline),
    t.title,
  ]);
  return table(['TASK', 'KIND', 'RUN', 'STEP', 'FOR', 'PROGRESS', 'DEADLINE', 'TITLE'], rows);
}

/** How to act on a task, as a command line. */
export function actionHint(t: TaskDetail): string {
  if (t.kind === 'approval') return `tandem approve ${t.id} [-m comment] | tandem reject ${t.id} -m why`;
  const fields = Object.keys(t.form?.properties ?? {});
  const sets = fields.length > 0 ? fields.map((f) => `--set ${f}=…`).join(' ') : '--file answers.json';
  return `tandem complete ${t.id} ${sets}`;
}

export function formatTaskDetail(t: TaskDetail): string {
  const lines = [
    `task ${t.id} (${t.kind}) on step ${t.step} of run ${t.run_id}`,
    `status:    ${t.status}${t.level > 0 ? ' (escalated)' : ''}`,
    ...(t.title ? [`title:     ${t.title}`] : []),
    ...(t.message && t.message !== t.title ? [`message:   ${t.message}`] : []),
    `for:       ${formatAssignees(t.assignees)}`,
    `deadline:  ${formatDateTime(t.deadline)}`,
  ];
  if (t.kind === 'approval') {
    lines.push(`approvals: ${progress(t)}${t.four_eyes ? ', four-eyes' : ''}`);
    if (t.excluded && t.excluded.length > 0) lines.push(`excluded:  ${t.excluded.join(', ')}`);
  } else {
    if (t.claimed_by) lines.push(`claimed:   ${t.claimed_by}`);
    const props = t.form?.properties ?? {};
    const required = new Set(t.form?.required ?? []);
    if (Object.keys(props).length > 0) {
      const rows = Object.entries(props).map(([name, p]) => [
        name,
        p.type ?? '-',
        required.has(name) ? 'yes' : 'no',
        p.description,
      ]);
      lines.push('', table(['FIELD', 'TYPE', 'REQUIRED', 'DESCRIPTION'], rows));
    }
  }
  if (t.decisions.length > 0) {
    const rows = t.decisions.map((d) => [
      formatDateTime(d.at),
      d.actor,
      d.decision,
      d.outputs === undefined ? d.comment : pairs(d.outputs),
    ]);
    lines.push('', table(['AT', 'WHO', 'DECISION', 'COMMENT/ANSWERS'], rows));
  }
  if (t.attachments && t.attachments.length > 0) {
    const rows = t.attachments.map((a) => [a.id, a.name, a.size, a.uploaded_by, cell(a.sha256.slice(0, 16))]);
    lines.push('', table(['ATTACHMENT', 'NAME', 'BYTES', 'BY', 'SHA256'], rows));
  }
  if (t.status === 'open') lines.push('', actionHint(t));
  return lines.join('\n');
}
