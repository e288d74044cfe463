/**
 * The one model every incoming event is normalised to, whatever sent it (Alertmanager, Grafana,
 * PagerDuty, a generic webhook, Tandem's own probes), and the incident it is grouped into.
 *
 * Glossary
 * - event source: a configured sender (name, kind, credential); its events arrive at
 *   `/api/v1/events/<kind>/<name>`.
 * - event: one notification about one alert, as received and normalised; every event is kept.
 * - fingerprint: an alert's stable identity; events with the same fingerprint are the same alert.
 * - alert: the deduplicated state of a fingerprint (firing or resolved, first and last seen, how
 *   many events), one row whatever the number of events.
 * - incident: what people handle: alerts grouped by fingerprint or group, by topology (alerts on
 *   resources depending on a failing one) or by site (a site cut off); triggered → acknowledged →
 *   resolved.
 * - maintenance window: a time (once, or recurring by cron in a time zone) during which alerts on
 *   the resources it selects are stored but open no incident and notify nobody (suppressed).
 */

export const eventSourceKinds = [
  'alertmanager',
  'grafana',
  'pagerduty',
  'webhook',
  'probe',
  'tandem',
] as const;
export type EventSourceKind = (typeof eventSourceKinds)[number];

/**
 * `acknowledged`: the sender acknowledged the alert (PagerDuty's `event_action: acknowledge`); the
 * alert keeps firing and its incident is acknowledged.
 */
export type EventStatus = 'firing' | 'resolved' | 'acknowledged';

export const severities = ['critical', 'error', 'warning', 'info'] as const;
export type Severity = (typeof severities)[number];

export interface ResourceRef {
  kind: string;
  name: string;
}

export interface NormalizedEvent {
  id: string;
  /** The configured source it came through (its name), e.g. `alertmanager-prod`. */
  source: string;
  sourceKind: EventSourceKind;
  /** Stable identity of the alert: the same fingerprint is the same alert, firing or resolved. */
  fingerprint: string;
  status: EventStatus;
  severity: Severity;
  summary: string;
  description: string | null;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Resolved from the estate by label matching; null when nothing matched. */
  resource: ResourceRef | null;
  site: string | null;
  /** Alertmanager's group key or the like: alerts of one group are handled together. */
  groupKey: string | null;
  startsAt: number;
  /** null: no end known (Alertmanager's 0001-01-01T00:00:00Z). */
  endsAt: number | null;
  receivedAt: number;
  generatorUrl: string | null;
}

export type IncidentStatus = 'triggered' | 'acknowledged' | 'resolved';

export interface IncidentSummary {
  id: string;
  status: IncidentStatus;
  severity: Severity;
  title: string;
  site: string | null;
  resource: ResourceRef | null;
  /** The team it is assigned to by routing rules. */
  team: string | null;
  /** `resource` (alerts on one resource and what depends on it) or `site` (a site cut off). */
  grouping: 'fingerprint' | 'resource' | 'site';
  openedAt: number;
  resolvedAt: number | null;
  /** The labels of the event that opened it (routing rules match on them). */
  labels?: Record<string, string>;
}
