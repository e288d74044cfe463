/**
 * On-call, pure: schedules (layered rotations in time zones, restrictions, overrides), who is on
 * call at an instant and over a range, escalation timing, and routing of incidents.
 */
export * from './model.ts';
export {
  isTimeZone,
  wallClock,
  zonedInstant,
  offsetAt,
  parseLocalDate,
  parseClock,
  formatClock,
  formatLocalDate,
  DAY_MS,
  type WallClock,
} from './time-zone.ts';
export {
  whoIsOnCall,
  shiftAt,
  layerStart,
  withinRestrictions,
  overrideAt,
  type OnCall,
  type Shift,
} from './rotation.ts';
export { onCallTimeline, MAX_TIMELINE_MS, type Segment } from './timeline.ts';
export {
  startEscalation,
  nextStep,
  decideEscalation,
  plannedEscalation,
  levelTimeoutMs,
  type EscalationStep,
  type EscalationDecision,
} from './escalation.ts';
export {
  routeBy,
  routingContext,
  conditionProblem,
  type RoutingRule,
  type RoutingContext,
  type RoutingAnswer,
} from './routing.ts';
