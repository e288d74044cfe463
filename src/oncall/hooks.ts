/**
 * On-call's hooks into incidents, for the events engine's `IncidentDeps.hooks`: a new incident is
 * routed (team, escalation policy); an acknowledged or resolved one stops escalating at once.
 */
import type { IncidentSummary, NormalizedEvent } from '../core/events/index.ts';
import type { Tx } from '../store/index.ts';
import { stopEscalation } from './escalations.ts';
import { routeIncident } from './route-incident.ts';

export function oncallIncidentHooks(clock: () => number = Date.now) {
  return {
    async opened(tx: Tx, incident: IncidentSummary, event: NormalizedEvent | null): Promise<void> {
      await routeIncident(tx, incident, { event, now: clock() });
    },
    async settled(tx: Tx, incident: IncidentSummary, status: 'acknowledged' | 'resolved'): Promise<void> {
      await stopEscalation(tx, incident.id, status, clock());
    },
  };
}
