/**
 * The incident port the rule worker runs with in these tests: the real one (src/events), able to
 * fail on demand, and events and incidents written straight to the events tables so each test
 * decides which incident an event is in.
 */
import type { IncidentSummary, NormalizedEvent } from '../../src/core/events/index.ts';
import { enqueueRuleEvaluation, type IncidentPort } from '../../src/rules/index.ts';
import { eventsIncidentPort } from '../../src/rules/events-port.ts';
import { uuidv7, type Tx } from '../../src/store/index.ts';

export interface TestIncidentPort extends IncidentPort {
  /** Fail the next `loadEvent` this many times. */
  failLoads: number;
  ingest(
    tx: Tx,
    e: Partial<NormalizedEvent>,
    incident: Partial<IncidentSummary> | null,
    now: number,
  ): Promise<{ eventId: string; incidentId: string | null }>;
}

export function incidentPort(): TestIncidentPort {
  const port: TestIncidentPort = {
    ...eventsIncidentPort,
    failLoads: 0,
    async loadEvent(tx, id) {
      if (port.failLoads > 0) {
        port.failLoads--;
        throw new Error('events store unreachable');
      }
      return eventsIncidentPort.loadEvent(tx, id);
    },
    async ingest(tx, e, incident, now) {
      const eventId = uuidv7();
      let incidentId: string | null = null;
      if (incident !== null) {
        incidentId = incident.id ?? uuidv7();
        const exists = await tx.db
          .selectFrom('incidents')
          .select('id')
          .where('id', '=', incidentId)
          .executeTakeFirst();
        if (!exists)
          await tx.db
            .insertInto('incidents')
            .values({
              id: incidentId,
              status: incident.status ?? 'triggered',
              severity: incident.severity ?? 'critical',
              title: incident.title ?? 'incident',
              site: incident.site ?? null,
              resource: incident.resource ? `${incident.resource.kind}/${incident.resource.name}` : null,
              team: null,
              assignee: null,
              grouping: incident.grouping ?? 'resource',
              labels: '{}',
              source: 'am',
              group_key: null,
              open_key: null,
              auto_resolve: 1,
              opened_at: now,
              acknowledged_at: null,
              acknowledged_by: null,
              resolved_at: null,
              resolved_by: null,
              updated_at: now,
            })
            .execute();
      }
      const resource = e.resource === undefined ? { kind: 'service', name: 'web' } : e.resource;
      await tx.db
        .insertInto('events')
        .values({
          id: eventId,
          source: e.source ?? 'am',
          source_kind: e.sourceKind ?? 'alertmanager',
          fingerprint: e.fingerprint ?? 'fp-web',
          status: e.status ?? 'firing',
          severity: e.severity ?? 'critical',
          summary: e.summary ?? 'web is down',
          description: null,
          labels: JSON.stringify(e.labels ?? { alertname: 'WebDown' }),
          annotations: '{}',
          details: null,
          resource: resource === null ? null : `${resource.kind}/${resource.name}`,
          site: e.site ?? null,
          group_key: null,
          starts_at: e.startsAt ?? now,
          ends_at: null,
          received_at: now,
          generator_url: null,
          outcome: incidentId === null ? 'stored' : 'opened',
          incident_id: incidentId,
          suppressed_by: null,
        })
        .execute();
      await enqueueRuleEvaluation(tx, { eventId, incidentId });
      return { eventId, incidentId };
    },
  };
  return port;
}
