/**
 * On-call: schedules and overrides, escalation policies, routing rules (store), the routing of
 * incidents as they open, and the durable escalation loop. Other folders import from here only.
 */
export {
  putSchedule,
  findSchedule,
  getSchedule,
  listSchedules,
  deleteSchedule,
  addOverride,
  listOverrides,
  deleteOverride,
  type StoredSchedule,
  type StoredOverride,
} from './schedules.ts';
export {
  putPolicy,
  findPolicy,
  listPolicies,
  deletePolicy,
  putRoutingRule,
  listRoutingRules,
  deleteRoutingRule,
} from './policies.ts';
export {
  checkScheduleUsers,
  checkUser,
  checkTeam,
  checkPolicyTargets,
  resolveTargets,
  describeTarget,
  type ReachedTarget,
} from './people.ts';
export {
  startEscalation,
  stopEscalation,
  findEscalation,
  listEscalations,
  fireDueEscalations,
  runEscalationLoop,
  ESCALATION_SIGNAL,
  type OncallDeps,
  type EscalationView,
} from './escalations.ts';
export { routeIncident, type RouteResult } from './route-incident.ts';
export { oncallIncidentHooks } from './hooks.ts';
export type { IncidentPort, OncallTimelineEntry } from './incident-port.ts';
export { noticePayload, type EscalationNotice } from './notify.ts';
