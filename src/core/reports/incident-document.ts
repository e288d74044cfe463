/** An incident as a knowledge-base document: its title, state, labels, timeline and notes. */

export interface IncidentTimelineItem {
  at: number;
  type: string;
  actor: string | null;
  message: string;
}

export interface IncidentForKb {
  id: string;
  title: string;
  status: string;
  severity: string;
  site: string | null;
  /** `kind/name`, the resource it opened on. */
  resource: string | null;
  team: string | null;
  assignee: string | null;
  labels: Record<string, string>;
  openedAt: number;
  acknowledgedAt: number | null;
  acknowledgedBy: string | null;
  resolvedAt: number | null;
  resolvedBy: string | null;
  timeline: readonly IncidentTimelineItem[];
  /** Runs linked to it (by a rule or by hand). */
  runs: readonly { runId: string; rule: string | null }[];
  /** Resources of its alerts besides its own. */
  alertResources: readonly string[];
}

const when = (ms: number) => `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;

/** Every resource the incident is about, its own first, without repeats. */
export function incidentResources(i: IncidentForKb): string[] {
  return [...new Set([...(i.resource ? [i.resource] : []), ...i.alertResources])];
}

export function incidentDocument(i: IncidentForKb): { title: string; body: string; resources: string[] } {
  const resources = incidentResources(i);
  const out = [`# Incident: ${i.title}`, ''];
  out.push(`- Incident: ${i.id}`, `- Status: ${i.status}`, `- Severity: ${i.severity}`);
  if (i.site) out.push(`- Site: ${i.site}`);
  if (resources.length > 0) out.push(`- Resources: ${resources.join(', ')}`);
  if (i.team) out.push(`- Team: ${i.team}`);
  if (i.assignee) out.push(`- Assignee: ${i.assignee}`);
  out.push(`- Opened: ${when(i.openedAt)}`);
  if (i.acknowledgedAt !== null)
    out.push(`- Acknowledged: ${when(i.acknowledgedAt)}${i.acknowledgedBy ? ` by ${i.acknowledgedBy}` : ''}`);
  if (i.resolvedAt !== null)
    out.push(`- Resolved: ${when(i.resolvedAt)}${i.resolvedBy ? ` by ${i.resolvedBy}` : ''}`);
  const labels = Object.entries(i.labels);
  if (labels.length > 0) out.push(`- Labels: ${labels.map(([k, v]) => `${k}=${v}`).join(', ')}`);
  out.push('');
  if (i.runs.length > 0) {
    out.push('## Runs', '');
    for (const r of i.runs) out.push(`- run ${r.runId}${r.rule ? ` (rule ${r.rule})` : ''}`);
    out.push('');
  }
  out.push('## Timeline', '');
  for (const t of i.timeline)
    out.push(
      `- ${when(t.at)} [${t.type}]${t.actor ? ` ${t.actor}:` : ''} ${t.message.replace(/\r?\n/g, '\n  ')}`,
    );
  out.push('');
  return { title: i.title, body: out.join('\n'), resources };
}
