/** A run report as markdown, for people and for the knowledge base's full-text index. */
import { formatBytes } from './logs.ts';
import type { RunReport } from './model.ts';
import { formatMs } from './timeline.ts';

/** `2026-11-03 10:04:05 UTC` */
const when = (iso: string | null) => (iso === null ? '-' : `${iso.slice(0, 19).replace('T', ' ')} UTC`);
/** `+12.345s`: time since the run was created. */
const offset = (ms: number) => `+${(ms / 1000).toFixed(3)}s`;

/** A value in one table cell: no line breaks, no column separators. */
function cell(v: unknown): string {
  const text = v === null || v === undefined ? '-' : typeof v === 'string' ? v : JSON.stringify(v);
  return (text === '' ? '-' : text).replace(/\r?\n/g, ' ⏎ ').replace(/\|/g, '\\|');
}

/** A fenced block whose fence no line of `text` can close early. */
function fenced(text: string, info = ''): string[] {
  let fence = '```';
  while (text.includes(fence)) fence += '`';
  return [`${fence}${info}`, ...text.split('\n'), fence];
}

/** Headings of embedded markdown pushed below `level`, outside code fences. */
function demoteHeadings(text: string, level: number): string {
  let fence: string | null = null;
  return text
    .split('\n')
    .map((line) => {
      const f = /^\s*(`{3,}|~{3,})/.exec(line);
      if (f) fence = fence === null ? f[1]! : line.trim().startsWith(fence) ? null : fence;
      if (fence !== null || f) return line;
      return /^#{1,6}\s/.test(line) ? `${'#'.repeat(level)}${line}`.replace(/^#{7,}/, '######') : line;
    })
    .join('\n');
}

export interface MarkdownOptions {
  /** Leave out related history (the indexed text of a run should be about the run only). */
  related?: boolean;
}

export function runReportMarkdown(r: RunReport, o: MarkdownOptions = {}): string {
  const run = r.run;
  const out: string[] = [];
  out.push(`# Run report: ${run.title ?? run.runbook}`, '');
  out.push(
    `- Run: ${run.id}`,
    `- Runbook: ${run.runbook} (version ${run.version})`,
    `- Status: **${run.status}**${run.error ? ` — ${cell(run.error)}` : ''}`,
    `- Started by: ${run.started_by ?? 'the system'}`,
    `- Created: ${when(run.created_at)}`,
    `- Started: ${when(run.started_at)}`,
    `- Finished: ${when(run.finished_at)}`,
    `- Duration: ${run.duration_ms === null ? '-' : formatMs(run.duration_ms)}`,
  );
  if (run.parent_run_id) out.push(`- Parent run: ${run.parent_run_id}`);
  if (r.resources.length > 0) out.push(`- Resources: ${r.resources.join(', ')}`);
  out.push('');

  if (r.measurements) {
    const m = r.measurements;
    out.push('## Recovery figures', '');
    out.push(
      `- RTO: ${m.rto_ms === null ? 'not measured' : `${formatMs(m.rto_ms)} (${m.rto_ms} ms)`}`,
      `- RPO: ${m.rpo_transactions === null ? 'not measured' : `${m.rpo_transactions} transactions lost`}`,
      `- Measured by: ${m.source}`,
      '',
    );
    if (m.report !== null)
      out.push('### The run’s own report', '', demoteHeadings(m.report.trimEnd(), 3), '');
  }

  out.push('## Inputs', '');
  const inputs = Object.entries(r.inputs);
  if (inputs.length === 0) out.push('None.', '');
  else out.push('| input | value |', '| --- | --- |', ...inputs.map(([k, v]) => `| ${k} | ${cell(v)} |`), '');

  out.push('## Outputs', '');
  const outputs = Object.entries(r.outputs).filter(([k]) => !(k === 'report' && r.measurements?.report));
  if (outputs.length === 0) out.push('None.', '');
  else
    out.push('| output | value |', '| --- | --- |', ...outputs.map(([k, v]) => `| ${k} | ${cell(v)} |`), '');

  out.push('## Decisions', '');
  if (r.decisions.length === 0) out.push('None.', '');
  for (const d of r.decisions) {
    const verb = d.decision === 'approve' ? 'approved' : d.decision === 'reject' ? 'rejected' : d.decision;
    out.push(
      `- ${when(d.at)}: **${d.actor}** ${verb} \`${d.step}\`${d.title ? ` (${cell(d.title)})` : ''}${d.comment ? ` — “${cell(d.comment)}”` : ''}`,
    );
  }
  if (r.decisions.length > 0) out.push('');

  out.push('## Timeline', '');
  out.push('| time | since start | who | what |', '| --- | --- | --- | --- |');
  for (const e of r.timeline)
    out.push(`| ${when(e.at).slice(11)} | ${offset(e.offset_ms)} | ${cell(e.actor)} | ${cell(e.text)} |`);
  if (r.timeline_omitted > 0) out.push('', `(${r.timeline_omitted} later events left out)`);
  out.push('');

  out.push('## Steps', '');
  out.push(
    '| step | status | attempt | where | duration | exit code | log |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const s of r.steps) {
    const where = s.agent
      ? `${s.agent}${s.site ? ` @ ${s.site}` : ''}`
      : s.child_run_id
        ? `run ${s.child_run_id}`
        : '-';
    const log = s.logs ? formatBytes(s.logs.bytes) : '-';
    out.push(
      `| ${cell(s.id)} | ${s.status} | ${s.attempt} | ${cell(where)} | ${s.duration_ms === null ? '-' : formatMs(s.duration_ms)} | ${s.exit_code ?? '-'} | ${log} |`,
    );
  }
  out.push('');
  const withLogs = r.steps.filter((s) => s.error !== null || (s.logs && s.logs.last_lines.length > 0));
  if (withLogs.length > 0) {
    out.push('## Logs (last lines of each step)', '');
    for (const s of withLogs) {
      out.push(`### ${s.id} (${s.status})`, '');
      if (s.error !== null) out.push(`Error: ${cell(s.error)}`, '');
      if (s.logs && s.logs.last_lines.length > 0) out.push(...fenced(s.logs.last_lines.join('\n')), '');
    }
  }

  if (r.comments.length > 0) {
    out.push('## Comments', '');
    for (const c of r.comments) out.push(`**${c.author}**, ${when(c.at)}:`, '', c.body.trimEnd(), '');
  }

  if (o.related !== false && r.related.length > 0) {
    out.push('## Related history', '');
    for (const x of r.related)
      out.push(
        `- ${when(x.at)} ${x.kind} ${x.id}: ${cell(x.title)}${x.status ? ` (${x.status})` : ''} — ${x.resources.join(', ')}`,
      );
    out.push('');
  }
  out.push(`_Generated ${when(r.generated_at)} by Tandem._`, '');
  return out.join('\n');
}
