/**
 * A notification as words: title, body, a few fields and the link to act on, built from the
 * outbox payload. Each channel kind then lays these out in its own format.
 */
import type { NotificationPayload, Topic } from './topics.ts';

export interface Message {
  topic: Topic | 'test';
  /** One line. */
  title: string;
  /** The task's message, the run's error or the comment: text from runbooks and people. */
  body: string | null;
  fields: { label: string; value: string }[];
  link: { label: string; url: string };
  tone: 'info' | 'warning' | 'danger' | 'success';
}

/** `2026-05-01 12:30 UTC`. */
export function formatTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** Who may act, in words: `team dba`, `role approver`, `users alice, bob`. */
export function describeAssignees(a: unknown): string {
  if (a === null || a === undefined) return 'anyone who may approve';
  if (Array.isArray(a)) return a.map(describeAssignees).join('; ') || 'nobody';
  if (typeof a === 'object') {
    const o = a as { role?: unknown; team?: unknown; users?: unknown; teams?: unknown; roles?: unknown };
    const list = (v: unknown) => (Array.isArray(v) ? v.map(String).join(', ') : String(v));
    const parts: string[] = [];
    if (o.team !== undefined) parts.push(`team ${list(o.team)}`);
    if (o.teams !== undefined) parts.push(`teams ${list(o.teams)}`);
    if (o.role !== undefined) parts.push(`role ${list(o.role)}`);
    if (o.roles !== undefined) parts.push(`roles ${list(o.roles)}`);
    if (o.users !== undefined) parts.push(`users ${list(o.users)}`);
    return parts.length > 0 ? parts.join(', ') : 'anyone who may approve';
  }
  return typeof a === 'string' ? a : JSON.stringify(a);
}

/** `base` without trailing slashes, joined to `path`. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}${path.startsWith('/') ? path : `/${path}`}`;
}

export function buildMessage(topic: Topic | 'test', p: NotificationPayload, publicUrl: string): Message {
  const url = joinUrl(publicUrl, p.path);
  const runName = p.run ? (p.run.title ?? p.run.runbook) : 'a run';
  const fields: Message['fields'] = [];
  if (p.run) {
    const version = p.run.version === undefined ? '' : ` v${p.run.version}`;
    fields.push({ label: 'Runbook', value: `${p.run.runbook}${version}` });
    fields.push({ label: 'Run', value: p.run.id });
    if (p.run.createdBy) fields.push({ label: 'Started by', value: p.run.createdBy });
  }
  if (p.task) {
    fields.push({ label: 'Step', value: p.task.step });
    fields.push({ label: 'Who may act', value: describeAssignees(p.task.assignees) });
    fields.push({
      label: 'Deadline',
      value: p.task.deadline === null ? 'none' : formatTime(p.task.deadline),
    });
  }
  // An approval's title is its rendered message; a manual task's is a short title with details apart.
  const t = p.task;
  const approval = t?.kind === 'approval';
  const subject = t && !approval && t.title ? t.title : `${runName}${t ? ` (step ${t.step})` : ''}`;
  const taskText = t ? (approval ? (t.message ?? t.title) : t.message) : null;
  switch (topic) {
    case 'task.created':
      return {
        topic,
        title: `${approval ? 'Approval needed' : 'Task waiting'}: ${subject}`,
        body: taskText,
        fields,
        link: { label: approval ? 'Decide' : 'Open the task', url },
        tone: 'warning',
      };
    case 'task.escalated':
      return {
        topic,
        title: `Escalated: ${subject}`,
        body: taskText,
        fields,
        link: { label: approval ? 'Decide' : 'Open the task', url },
        tone: 'danger',
      };
    case 'run.failed':
      return {
        topic,
        title: `Run failed: ${runName}`,
        body: p.run?.error ?? null,
        fields,
        link: { label: 'Open the run', url },
        tone: 'danger',
      };
    case 'run.succeeded':
      return {
        topic,
        title: `Run succeeded: ${runName}`,
        body: null,
        fields,
        link: { label: 'Open the run', url },
        tone: 'success',
      };
    case 'comment.mentioned': {
      const c = p.comment;
      return {
        topic,
        title: `${c?.author ?? 'Someone'} mentioned ${c?.mentions.map((m) => `@${m}`).join(', ') || 'you'} on ${runName}`,
        body: c?.body ?? null,
        fields,
        link: { label: 'Open the run', url },
        tone: 'info',
      };
    }
    case 'incident.triggered':
    case 'incident.acknowledged':
    case 'incident.resolved':
    case 'incident.escalated':
      return incidentMessage(topic, p, url);
    case 'test':
      return {
        topic,
        title: 'Test notification from Tandem',
        body: 'This channel is set up: notifications will arrive here.',
        fields,
        link: { label: 'Open Tandem', url },
        tone: 'info',
      };
  }
}

type IncidentTopic = Extract<Topic, `incident.${string}`>;

const incidentWords: Record<IncidentTopic, { verb: string; tone: Message['tone'] }> = {
  'incident.triggered': { verb: 'Incident', tone: 'danger' },
  'incident.acknowledged': { verb: 'Acknowledged', tone: 'warning' },
  'incident.resolved': { verb: 'Resolved', tone: 'success' },
  'incident.escalated': { verb: 'Escalated', tone: 'danger' },
};

function incidentMessage(topic: IncidentTopic, p: NotificationPayload, url: string): Message {
  const i = p.incident;
  const fields: Message['fields'] = [];
  if (i) {
    fields.push({ label: 'Severity', value: i.severity });
    if (i.site) fields.push({ label: 'Site', value: i.site });
    if (i.resource) fields.push({ label: 'Resource', value: `${i.resource.kind}/${i.resource.name}` });
    if (i.team) fields.push({ label: 'Team', value: i.team });
    fields.push({ label: 'Opened', value: formatTime(i.openedAt) });
    if (i.actor) fields.push({ label: 'By', value: i.actor });
  }
  const e = p.escalation;
  if (e) {
    fields.push({
      label: 'Escalation',
      value: `${e.policy}, level ${e.level}${e.round > 1 ? ` (round ${e.round})` : ''}`,
    });
    const people = [...new Set(e.targets.flatMap((t) => t.users))];
    fields.push({ label: 'On call', value: people.length > 0 ? people.join(', ') : 'nobody reachable' });
  }
  const words = incidentWords[topic];
  return {
    topic,
    title: `${words.verb}: ${i?.title ?? 'an incident'}`,
    body: null,
    fields,
    link: { label: 'Open the incident', url },
    tone: words.tone,
  };
}
