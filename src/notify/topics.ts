/**
 * What a notification is about (its topic) and what it carries. The payload is a snapshot taken
 * in the transaction that caused it, so delivery needs no further reads; the link in it is a path,
 * joined to the public URL when the message is sent.
 *
 * Glossary
 * - channel: where notifications go (a Slack, DingTalk, Feishu or WeCom webhook, a generic signed
 *   webhook, or e-mail), subscribed to topics and optionally to runbooks with some labels.
 * - topic: the kind of happening: a task created or escalated, a run failed or succeeded, a mention.
 * - delivery: one notification for one channel, a row of the outbox retried until sent or given up.
 */

export const TOPICS = [
  'task.created',
  'task.escalated',
  'run.failed',
  'run.succeeded',
  'comment.mentioned',
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

/** What an outbox row carries (as JSON). */
export interface NotificationPayload {
  run?: RunSnapshot;
  task?: TaskSnapshot;
  comment?: CommentSnapshot;
  /** Where to decide or look: `/tasks/<id>` or `/runs/<id>`, joined to the public URL when sent. */
  path: string;
  /** Set on the message `POST …/channels/:name/test` sends. */
  test?: boolean;
}
