/**
 * Events and incidents, the shell: event sources and their credentials, ingest (normalise, place
 * in the estate, deduplicate, group, suppress, store, queue for the rules), incidents with their
 * timeline, notes and linked runs, and maintenance windows. Other folders import from here only.
 */
export {
  createSource,
  findSource,
  findSourceByRoutingKey,
  listSources,
  deleteSource,
  lastEventTimes,
  newSourceSchema,
  SOURCE_KINDS,
  SOURCE_NAME,
  DEFAULT_SIGNATURE_HEADER,
  type EventSource,
  type NewSource,
  type SourceKind,
  type CreatedSource,
} from './sources.ts';
export { checkSourceCredential, MAX_SIGNATURE_AGE_MS, type SentCredentials } from './source-auth.ts';
export { ingestEvents, type IngestDeps, type IngestedEvent } from './ingest.ts';
export {
  findEvent,
  listEvents,
  type StoredEvent,
  type EventOutcome,
  type EventQuery,
} from './events-store.ts';
export { listAlerts, incidentAlerts, firingAlertCount, type AlertQuery } from './alerts-store.ts';
export {
  findIncident,
  listIncidents,
  incidentTimeline,
  linkedRuns,
  incidentResources,
  pastIncidentsOn,
  summaryOf,
  type Incident,
  type IncidentQuery,
  type TimelineEntry,
  type StoredTimelineEntry,
  type LinkedRun,
} from './incident-store.ts';
export {
  appendTimeline,
  linkRun,
  openIncident,
  acknowledgeIncident,
  resolveIncident,
  reassignIncident,
  setIncidentTeam,
  addNote,
  openSiteIncident,
  resolveSiteIncident,
  type IncidentDeps,
  type IncidentHooks,
  type NewIncident,
} from './incidents.ts';
export { notifyIncident, incidentPayload, type IncidentTopic } from './notify-incident.ts';
export {
  insertWindow,
  findWindow,
  listWindows,
  deleteWindow,
  windowsInEffect,
  coveringWindowOf,
  type StoredWindow,
} from './maintenance-store.ts';
export { oncallIncidentPort } from './ports.ts';
export {
  resolveResource,
  dependencyDistances,
  openIncidentsOn,
  MAX_DEPENDENCY_DEPTH,
  MAX_DEPENDENCIES,
} from './estate-lookup.ts';
export { autoResolveFromEnv } from './settings.ts';
