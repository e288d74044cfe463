/**
 * The notification of an escalation step: the incident, the level, and the people to reach,
 * queued in the transaction of the step through the notifications outbox.
 */
import type { IncidentSummary } from '../core/events/index.ts';
import { enqueueNotification, isTopic } from '../notify/index.ts';
import type { Store, Tx } from '../store/index.ts';
import { describeTarget, type ReachedTarget } from './people.ts';

/** What an escalation notification carries besides the incident. */
export interface EscalationNotice {
  policy: string;
  /** 1-based, as people count levels. */
  level: number;
  round: number;
  reached: ReachedTarget[];
}

export function noticePayload(incident: IncidentSummary, n: EscalationNotice) {
  const users = [...new Set(n.reached.flatMap((r) => r.users))];
  return {
    path: `/incidents/${incident.id}`,
    incident: {
      id: incident.id,
      title: incident.title,
      status: incident.status,
      severity: incident.severity,
      site: incident.site,
      resource: incident.resource,
      team: incident.team,
      openedAt: incident.openedAt,
    },
    escalation: {
      policy: n.policy,
      level: n.level,
      round: n.round,
      targets: n.reached.map((r) => ({ target: describeTarget(r.target), users: r.users })),
    },
    /** The people to reach. */
    recipients: users,
  };
}

/**
 * Queue the notification of a step as `incident.escalated`, the first step (level 1) included:
 * the events engine already sends `incident.triggered` when the incident opens, so the first step
 * would otherwise reach the same channels twice.
 */
export async function notifyEscalation(
  tx: Tx,
  store: Store,
  incident: IncidentSummary,
  n: EscalationNotice,
  now: number,
): Promise<number> {
  const topic = 'incident.escalated';
  // Until the notifications module knows the topic, nothing is queued (no channel can want it).
  if (!isTopic(topic)) return 0;
  return enqueueNotification(tx, store, topic, noticePayload(incident, n), now);
}
