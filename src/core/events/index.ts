/**
 * Events and incidents, pure: the normalised model, the readers of each sender's format, resource
 * matching, deduplication, grouping, incident status and maintenance windows. No I/O: the time
 * comes in as a value.
 */
export * from './model.ts';
export * from './input.ts';
export { normalizeSeverity, maxSeverity, severityRank, DEFAULT_SEVERITY } from './severity.ts';
export { parseAlertmanager, alertmanagerPayload, type AlertmanagerPayload } from './alertmanager.ts';
export { parseGrafana, grafanaPayload } from './grafana.ts';
export { parsePagerduty, pagerdutyEvent, type PagerdutyEvent } from './pagerduty.ts';
export { applyWebhookMapping, webhookMappingSchema, type WebhookMapping } from './webhook-mapping.ts';
export {
  resourceCandidates,
  candidateKeys,
  pickResource,
  siteOf,
  refKey,
  refOf,
  ANY_KINDS,
  type ResourceCandidate,
} from './resource-match.ts';
export {
  decideDedup,
  type AlertState,
  type DedupEvent,
  type DedupKind,
  type DedupDecision,
} from './dedup.ts';
export {
  decideGrouping,
  nearest,
  type GroupingFacts,
  type GroupingDecision,
  type TopologyHit,
  type JoinReason,
} from './grouping.ts';
export {
  nextStatus,
  isOpen,
  shouldAutoResolve,
  raisedSeverity,
  type IncidentAction,
} from './incident-state.ts';
export {
  maintenanceSpec,
  windowOf,
  activeOccurrence,
  nextOccurrence,
  windowExpired,
  windowCovers,
  coveringWindow,
  needsEstate,
  type MaintenanceWindow,
  type MaintenanceSpec,
  type MaintenanceSubject,
} from './maintenance.ts';
