/**
 * The one model every incoming event is normalised to, whatever sent it (Alertmanager, Grafana,
 * PagerDuty, a generic webhook, Tandem's own probes), and the incident it is grouped into.
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

export type EventStatus = 'firing' | 'resolved';

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
}
