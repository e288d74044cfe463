/**
 * What a notification is about (its topic) and what it carries. The payload is a snapshot taken
 * in the transaction that caused it, so delivery needs no further reads; the link in it is a path,
 * joined to the public URL when the message is sent.
 *
 * Glossary
 * - channel: where notifications go (a Slack, DingTalk, Feishu or WeCom webhook, a generic signed
 *   webhook, or e-mail), subscribed to topics and optionally to runbooks with some labels.
 * - topic: the kind of happening: a task created or escalated, a run failed or succeeded, a mention,
 *   an incident triggered, acknowledged, resolved or escalated to the next on-call level.
 * - delivery: one notification for one channel, a row of the outbox retried until sent or given up.
 */

export const TOPICS = [
  'task.created',
  'task.escalated',
  'run.failed',
  'run.succeeded',
  'comment.mentioned',
  'incident.triggered',
  'incident.acknowledged',
  'incident.resolved',
  'incident.escalated',
] as const;
export type Topic = (typeof TOPICS)[number];

export const isTopic = (s: string): s is Topic => (TOPICS as readonly string[]).includes(s);

/** The run a notification is about. */
export interface RunSnapshot {
  id: string;
  runbook: string;
  version?: number;
  /** The runbook's title, when it has one. */
  title?: string | null;
  status?: string;
  error?: string | null;
  createdBy?: string | null;
  /** The runbook's labels: channels with a label filter match on them. */
  labels?: Record<string, string>;
}

/** The task (a step waiting for people) a notification is about. */
export interface TaskSnapshot {
  id: string;
  kind: string;
  step: string;
  title: string | null;
  message: string | null;
  /** Who may act, as the task says it ({role?, team?, users?}, or a list of those). */
  assignees: unknown;
  /** Epoch milliseconds, or null for no deadline. */
  deadline: number | null;
}

export interface CommentSnapshot {
  id: string;
  author: string;
  body: string;
  mentions: string[];
}

/** The incident a notification is about (as src/events and src/oncall record it). */
export interface IncidentSnapshot {
  id: string;
  title: string;
  status: string;
  severity: string;
  site: string | null;
  resource: { kind: string; name: string } | null;
  team: string | null;
  openedAt: number;
  actor?: string | null;
}

/** An escalation step: which level of which policy, and the people it reaches. */
export interface EscalationSnapshot {
  policy: string;
  level: number;
  round: number;
  targets: { target: string; users: string[] }[];
}

/** What an outbox row carries (as JSON). */
export interface NotificationPayload {
  run?: RunSnapshot;
  task?: TaskSnapshot;
  comment?: CommentSnapshot;
  incident?: IncidentSnapshot;
  escalation?: EscalationSnapshot;
  /** The people an escalation step reaches (e-mail channels may address them). */
  recipients?: string[];
  /** Where to decide or look: `/tasks/<id>` or `/runs/<id>`, joined to the public URL when sent. */
  path: string;
  /** Set on the message `POST …/channels/:name/test` sends. */
  test?: boolean;
}
