/**
 * The rule worker's incident port bound to events and incidents (src/events): events and
 * incidents as stored, maintenance windows as ingest decides them, and the incident contract
 * functions `linkRun` and `appendTimeline`.
 */
import { findEvent } from '../events/events-store.ts';
import { findIncident, summaryOf } from '../events/incident-store.ts';
import { appendTimeline, linkRun } from '../events/incidents.ts';
import { coveringWindowOf, findWindow, windowsInEffect } from '../events/maintenance-store.ts';
import type { IncidentPort } from './incident-port.ts';

export const eventsIncidentPort: IncidentPort = {
  loadEvent: (tx, id) => findEvent(tx.db, id),

  async loadIncident(tx, id) {
    const incident = await findIncident(tx.db, id);
    return incident && summaryOf(incident);
  },

  async maintenance(tx, event, resource, now) {
    // Ingest already found a window covering it: the event was suppressed.
    const stored = await findEvent(tx.db, event.id);
    if (stored?.suppressedBy != null) {
      const w = await findWindow(tx.db, stored.suppressedBy);
      return w ? `${w.reason} (window ${w.id})` : `window ${stored.suppressedBy}`;
    }
    // An alert that joined an incident before a window began is covered now all the same.
    const w = await coveringWindowOf(
      tx.db,
      await windowsInEffect(tx.db, now),
      { site: event.site, labels: event.labels, resource },
      now,
    );
    return w === null ? null : `${w.reason} (window ${w.id})`;
  },

  linkRun: (tx, incidentId, runId, rule) => linkRun(tx, incidentId, runId, rule),

  appendTimeline: (tx, incidentId, e) =>
    appendTimeline(tx, incidentId, {
      type: e.kind,
      message: e.message,
      actor: `rule:${e.rule}`,
      data: e.data,
      runId: e.runId,
      at: e.at,
    }),
};
