/**
 * Grouping, pure: which incident an alert joins, or whether it opens one. In this order:
 *
 * 1. an alert already in an open incident stays there (its repeats, resolution, acknowledgement);
 * 2. an alert of a site cut off (an open site incident) joins the site incident;
 * 3. an alert of the same group (its sender's group key, e.g. Alertmanager's) joins the group's
 *    open incident;
 * 4. topology: an alert on a resource with an open incident, or on one that depends on such a
 *    resource through `depends_on` or `runs_on` (transitively), joins that incident — the nearest
 *    one first, so a service joins its database's incident rather than the site's network's;
 * 5. otherwise it opens an incident: grouped by `resource` when it has one, else by `fingerprint`.
 *
 * A maintenance window covering the alert turns "join" and "open" into "suppress": the alert is
 * stored, no incident opens or grows, nobody is notified, and the window is recorded.
 */
import type { DedupKind } from './dedup.ts';

export interface TopologyHit {
  incidentId: string;
  /** `kind/name` of the resource whose open incident it is. */
  resource: string;
  /** 0: the alert's own resource; 1: what it depends on or runs on directly; and so on. */
  distance: number;
}

export interface GroupingFacts {
  dedup: DedupKind;
  hasResource: boolean;
  /** The alert's incident, when that incident is still open. */
  currentIncident: string | null;
  /** The open site incident of the alert's site. */
  siteIncident: string | null;
  /** The open incident of the alert's group. */
  groupIncident: string | null;
  /** Open incidents on the alert's resource and what it depends on, any order. */
  topology: readonly TopologyHit[];
  /** The maintenance window covering the alert now, if any. */
  maintenance: string | null;
}

export type JoinReason = 'site' | 'group' | 'topology';

export type GroupingDecision =
  /** No grouping to do: the event updates its alert (and its incident, if any). */
  | { action: 'update'; incidentId: string | null }
  | { action: 'join'; incidentId: string; reason: JoinReason; via?: TopologyHit }
  | { action: 'open'; grouping: 'resource' | 'fingerprint' }
  | { action: 'suppress'; windowId: string; wouldJoin: string | null };

/** The nearest hit, ties broken by resource then incident so the answer never depends on order. */
export function nearest(hits: readonly TopologyHit[]): TopologyHit | undefined {
  return [...hits].sort(
    (a, b) =>
      a.distance - b.distance ||
      (a.resource < b.resource ? -1 : a.resource > b.resource ? 1 : 0) ||
      (a.incidentId < b.incidentId ? -1 : a.incidentId > b.incidentId ? 1 : 0),
  )[0];
}

export function decideGrouping(f: GroupingFacts): GroupingDecision {
  const grouping = f.dedup === 'new' || f.dedup === 'refire' || f.dedup === 'repeat';
  if (!grouping || f.currentIncident !== null) return { action: 'update', incidentId: f.currentIncident };
  let target: GroupingDecision;
  const hit = nearest(f.topology);
  if (f.siteIncident !== null) target = { action: 'join', incidentId: f.siteIncident, reason: 'site' };
  else if (f.groupIncident !== null)
    target = { action: 'join', incidentId: f.groupIncident, reason: 'group' };
  else if (hit) target = { action: 'join', incidentId: hit.incidentId, reason: 'topology', via: hit };
  else target = { action: 'open', grouping: f.hasResource ? 'resource' : 'fingerprint' };
  if (f.maintenance !== null)
    return {
      action: 'suppress',
      windowId: f.maintenance,
      wouldJoin: target.action === 'join' ? target.incidentId : null,
    };
  return target;
}
