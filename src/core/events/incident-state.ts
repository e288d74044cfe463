/**
 * An incident's status, pure: triggered → acknowledged → resolved, who may move it, when it
 * resolves by itself, and its severity (the worst of its alerts).
 */
import { TandemError } from '../errors.ts';
import type { IncidentStatus, Severity } from './model.ts';
import { maxSeverity } from './severity.ts';

export type IncidentAction = 'acknowledge' | 'resolve';

/** The status after `action`, or a conflict that says why not. */
export function nextStatus(current: IncidentStatus, action: IncidentAction): IncidentStatus {
  if (current === 'resolved')
    throw new TandemError('conflict', `the incident is already resolved; nothing to ${action}`);
  if (action === 'acknowledge') {
    if (current === 'acknowledged') throw new TandemError('conflict', 'the incident is already acknowledged');
    return 'acknowledged';
  }
  return 'resolved';
}

export const isOpen = (s: IncidentStatus): boolean => s !== 'resolved';

/**
 * Whether an open incident resolves by itself now: it auto-resolves (its source's setting, or the
 * global one), it is not a site incident (those end when the probes say the site is back), and
 * none of its alerts still fires.
 */
export function shouldAutoResolve(
  incident: { status: IncidentStatus; autoResolve: boolean; grouping: string },
  firingAlerts: number,
): boolean {
  return (
    isOpen(incident.status) && incident.autoResolve && incident.grouping !== 'site' && firingAlerts === 0
  );
}

/** An incident's severity after an alert of `severity` joins: it only ever rises. */
export const raisedSeverity = (current: Severity, joining: Severity): Severity =>
  maxSeverity([current, joining]);
