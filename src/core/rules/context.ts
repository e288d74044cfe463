/**
 * What a rule's expressions see: the event, the incident it was grouped into and the estate
 * resource it is about, with snake_case fields and times as RFC 3339 text, as the API shows them.
 */
import type { Resource } from '../estate/index.ts';
import type { IncidentSummary, NormalizedEvent } from '../events/index.ts';
import type { ExprContext } from '../expr/index.ts';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The facts a rule is evaluated on. */
export interface RuleFacts {
  event: NormalizedEvent;
  incident: IncidentSummary | null;
  resource: Resource | null;
}

export function ruleContext(f: RuleFacts): ExprContext {
  const e = f.event;
  return {
    event: {
      id: e.id,
      source: e.source,
      source_kind: e.sourceKind,
      fingerprint: e.fingerprint,
      status: e.status,
      severity: e.severity,
      summary: e.summary,
      description: e.description,
      labels: e.labels,
      annotations: e.annotations,
      resource: e.resource,
      site: e.site,
      group_key: e.groupKey,
      starts_at: iso(e.startsAt),
      ends_at: iso(e.endsAt),
      received_at: iso(e.receivedAt),
      generator_url: e.generatorUrl,
    },
    incident:
      f.incident === null
        ? null
        : {
            id: f.incident.id,
            status: f.incident.status,
            severity: f.incident.severity,
            title: f.incident.title,
            site: f.incident.site,
            resource: f.incident.resource,
            team: f.incident.team,
            grouping: f.incident.grouping,
            opened_at: iso(f.incident.openedAt),
            resolved_at: iso(f.incident.resolvedAt),
          },
    resource:
      f.resource === null
        ? null
        : {
            kind: f.resource.kind,
            name: f.resource.name,
            site: f.resource.site,
            labels: f.resource.labels,
            properties: f.resource.properties,
          },
  };
}

/** The alert group a rule acts on at most once: the incident, else the alert's fingerprint. */
export function groupKeyOf(f: Pick<RuleFacts, 'event' | 'incident'>): string {
  if (f.incident !== null) return `incident:${f.incident.id}`;
  // Without an incident: the alert's firing episode (a new episode starts at a new time).
  return `alert:${f.event.fingerprint}@${f.event.startsAt}`;
}

/** What cool-downs count per: the estate resource, else the event's, else the alert itself. */
export function resourceKeyOf(f: RuleFacts): string {
  const r = f.resource ?? f.event.resource ?? f.incident?.resource ?? null;
  return r === null ? `fingerprint:${f.event.fingerprint}` : `${r.kind}/${r.name}`;
}
