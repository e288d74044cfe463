/**
 * Incident notifications through the outbox of src/notify, queued in the transaction that changed
 * the incident: `incident.triggered`, `incident.acknowledged`, `incident.resolved` (on-call sends
 * `incident.escalated`). Each queued notification is recorded on the incident's timeline.
 */
import { enqueueNotification, type NotificationPayload, type Topic } from '../notify/index.ts';
import type { Store, Tx } from '../store/index.ts';
import type { Incident } from './incident-store.ts';
import { insertTimeline } from './incident-store.ts';

export type IncidentTopic = Extract<
  Topic,
  'incident.triggered' | 'incident.acknowledged' | 'incident.resolved'
>;

/** What an incident notification carries: a snapshot, and the console path of the incident. */
export function incidentPayload(incident: Incident, actor: string | null): NotificationPayload {
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
      actor,
    },
  };
}

/** Queue `topic` for every channel that wants it; answers how many deliveries were queued. */
export async function notifyIncident(
  tx: Tx,
  store: Store,
  topic: IncidentTopic,
  incident: Incident,
  o: { actor: string | null; now: number },
): Promise<number> {
  const queued = await enqueueNotification(tx, store, topic, incidentPayload(incident, o.actor), o.now);
  if (queued > 0)
    await insertTimeline(
      tx,
      incident.id,
      {
        type: 'notification',
        message: `${topic} queued for ${queued} channel${queued === 1 ? '' : 's'}`,
        data: { topic, channels: queued },
      },
      o.now,
    );
  return queued;
}
