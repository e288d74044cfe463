/**
 * Deduplication, pure: an event against the alert of its fingerprint. A repeated firing updates
 * the alert (last seen, count); a resolution closes it; a firing after a resolution fires again
 * (a new episode). Late deliveries of an older episode (Alertmanager retries, out of order) change
 * nothing: an episode is told by its start time.
 */
import type { EventStatus, Severity } from './model.ts';

/** The stored state of one alert (one fingerprint). */
export interface AlertState {
  fingerprint: string;
  source: string;
  status: 'firing' | 'resolved';
  severity: Severity;
  summary: string;
  labels: Record<string, string>;
  /** `kind/name` of its estate resource. */
  resource: string | null;
  site: string | null;
  groupKey: string | null;
  incidentId: string | null;
  suppressedBy: string | null;
  /** When the current episode started. */
  startsAt: number;
  endsAt: number | null;
  firstSeenAt: number;
  lastSeenAt: number;
  resolvedAt: number | null;
  /** Events received for this fingerprint. */
  count: number;
  lastEventId: string;
}

/** What dedup needs of an event. `startsAt` null: the sender did not say (PagerDuty, webhooks). */
export interface DedupEvent {
  id: string;
  source: string;
  fingerprint: string;
  status: EventStatus;
  severity: Severity;
  summary: string;
  labels: Record<string, string>;
  resource: string | null;
  site: string | null;
  groupKey: string | null;
  startsAt: number | null;
  endsAt: number | null;
  receivedAt: number;
}

export type DedupKind =
  /** First event of a fingerprint, firing. */
  | 'new'
  /** Firing again while firing. */
  | 'repeat'
  /** Firing after it resolved: a new episode. */
  | 'refire'
  /** Resolved while firing. */
  | 'resolve'
  /** The sender acknowledged it while firing. */
  | 'acknowledge'
  /** Resolved again, or resolved before it was ever seen firing. */
  | 'already_resolved'
  /** About an older episode than the alert's current one, or an acknowledgement of no firing alert. */
  | 'stale';

export interface DedupDecision {
  kind: DedupKind;
  /** The alert as it is to be stored. */
  next: AlertState;
}

function seen(a: AlertState, e: DedupEvent): AlertState {
  return { ...a, lastSeenAt: e.receivedAt, count: a.count + 1, lastEventId: e.id };
}

/** The firing fields an event brings (what people see of the alert follows its latest firing). */
function firingFields(e: DedupEvent) {
  return {
    source: e.source,
    severity: e.severity,
    summary: e.summary,
    labels: e.labels,
    resource: e.resource,
    site: e.site,
    groupKey: e.groupKey,
    endsAt: e.endsAt,
  };
}

export function decideDedup(existing: AlertState | undefined, e: DedupEvent): DedupDecision {
  const start = e.startsAt ?? e.receivedAt;
  if (existing === undefined) {
    const fresh: AlertState = {
      fingerprint: e.fingerprint,
      ...firingFields(e),
      status: e.status === 'resolved' ? 'resolved' : 'firing',
      incidentId: null,
      suppressedBy: null,
      startsAt: start,
      firstSeenAt: e.receivedAt,
      lastSeenAt: e.receivedAt,
      resolvedAt: e.status === 'resolved' ? e.receivedAt : null,
      count: 1,
      lastEventId: e.id,
    };
    if (e.status === 'firing') return { kind: 'new', next: fresh };
    // Kept as resolved, so a late firing of the same episode is known as late.
    if (e.status === 'resolved') return { kind: 'already_resolved', next: fresh };
    return { kind: 'stale', next: { ...fresh, status: 'resolved', resolvedAt: e.receivedAt } };
  }

  const older = e.startsAt !== null && e.startsAt < existing.startsAt;
  switch (e.status) {
    case 'firing':
      if (existing.status === 'firing')
        return older
          ? { kind: 'stale', next: seen(existing, e) }
          : { kind: 'repeat', next: { ...seen(existing, e), ...firingFields(e) } };
      // The same episode as the one resolved (or older): a retry delivered late.
      if (e.startsAt !== null && e.startsAt <= existing.startsAt)
        return { kind: 'stale', next: seen(existing, e) };
      return {
        kind: 'refire',
        next: {
          ...seen(existing, e),
          ...firingFields(e),
          status: 'firing',
          startsAt: start,
          resolvedAt: null,
          incidentId: existing.incidentId,
          suppressedBy: null,
        },
      };
    case 'resolved':
      if (existing.status === 'resolved') return { kind: 'already_resolved', next: seen(existing, e) };
      if (older) return { kind: 'stale', next: seen(existing, e) };
      return {
        kind: 'resolve',
        next: {
          ...seen(existing, e),
          status: 'resolved',
          resolvedAt: e.receivedAt,
          endsAt: e.endsAt ?? e.receivedAt,
        },
      };
    case 'acknowledged':
      return existing.status === 'firing'
        ? { kind: 'acknowledge', next: seen(existing, e) }
        : { kind: 'stale', next: seen(existing, e) };
  }
}
