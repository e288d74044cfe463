/**
 * What moves an incident, each inside the caller's transaction with its timeline entry and its
 * notification: open (from an alert, or a site cut off), acknowledge, resolve, reassign, notes,
 * linked runs. Also the contract functions other engineers' code calls: `appendTimeline`,
 * `linkRun`, `openSiteIncident`, `resolveSiteIncident`.
 */
import {
  nextStatus,
  type IncidentSummary,
  type NormalizedEvent,
  type ResourceRef,
  type Severity,
} from '../core/events/index.ts';
import { TandemError } from '../core/errors.ts';
import type { Store, Tx } from '../store/index.ts';
import {
  insertIncident,
  insertTimeline,
  lockIncident,
  openIncidentByKey,
  summaryOf,
  updateIncident,
  type Incident,
  type TimelineEntry,
} from './incident-store.ts';
import { notifyIncident } from './notify-incident.ts';

/**
 * Where others plug into incidents: on-call routes a new incident (team, escalation) and stops
 * escalating one that is acknowledged or resolved.
 */
export interface IncidentHooks {
  /** A new incident opened (team still null), with the event that opened it (null: a site incident). */
  opened?(tx: Tx, incident: IncidentSummary, event: NormalizedEvent | null): Promise<void>;
  /** An incident was acknowledged or resolved (by a person, its sender, or by itself). */
  settled?(tx: Tx, incident: IncidentSummary, status: 'acknowledged' | 'resolved'): Promise<void>;
}

export interface IncidentDeps {
  /** The store `tx` belongs to (the notification outbox keys its channel cache by it). */
  store: Store;
  clock: () => number;
  newId: () => string;
  hooks?: IncidentHooks;
}

/** Append to an incident's timeline (the rules and on-call write here too). */
export async function appendTimeline(tx: Tx, incidentId: string, entry: TimelineEntry): Promise<void> {
  await insertTimeline(tx, incidentId, entry, entry.at ?? Date.now());
}

/** Link a run to an incident (a rule started it, or a person did for it); linking twice is a no-op. */
export async function linkRun(
  tx: Tx,
  incidentId: string,
  runId: string,
  ruleName: string | null,
  now: number = Date.now(),
): Promise<void> {
  const known = await tx.db
    .selectFrom('incident_runs')
    .select('run_id')
    .where('incident_id', '=', incidentId)
    .where('run_id', '=', runId)
    .executeTakeFirst();
  if (known) return;
  await tx.db
    .insertInto('incident_runs')
    .values({ incident_id: incidentId, run_id: runId, rule: ruleName, created_at: now })
    .execute();
  await insertTimeline(
    tx,
    incidentId,
    {
      type: 'run.linked',
      message: ruleName === null ? `run ${runId} linked` : `run ${runId} linked by rule ${ruleName}`,
      actor: ruleName === null ? null : `rule:${ruleName}`,
      runId,
      data: { rule: ruleName },
    },
    now,
  );
}

export interface NewIncident {
  title: string;
  severity: Severity;
  site: string | null;
  resource: ResourceRef | null;
  grouping: Incident['grouping'];
  labels: Record<string, string>;
  source: string | null;
  groupKey: string | null;
  openKey: string | null;
  autoResolve: boolean;
  /** The event that opens it, null for a site incident. */
  event: NormalizedEvent | null;
  actor: string;
  message: string;
}

/** Open an incident: its first timeline entry, `incident.triggered`, and routing by on-call. */
export async function openIncident(tx: Tx, deps: IncidentDeps, n: NewIncident): Promise<Incident> {
  const now = deps.clock();
  const incident = await insertIncident(tx, { ...n, id: deps.newId(), now });
  await insertTimeline(
    tx,
    incident.id,
    {
      type: 'incident.triggered',
      message: n.message,
      actor: n.actor,
      eventId: n.event?.id ?? null,
      data: { grouping: n.grouping, severity: n.severity },
    },
    now,
  );
  await deps.hooks?.opened?.(tx, summaryOf(incident), n.event);
  // Routing may have given it a team: notify what it is now.
  const routed = await lockIncident(tx, incident.id);
  await notifyIncident(tx, deps.store, 'incident.triggered', routed, { actor: n.actor, now });
  return routed;
}

/** Acknowledge: someone (or the sender) is on it. 409 when already acknowledged or resolved. */
export async function acknowledgeIncident(
  tx: Tx,
  deps: IncidentDeps,
  id: string,
  actor: string,
  note?: string,
): Promise<Incident> {
  const now = deps.clock();
  const before = await lockIncident(tx, id);
  const status = nextStatus(before.status, 'acknowledge');
  await updateIncident(tx, id, { status, acknowledged_at: now, acknowledged_by: actor }, now);
  await insertTimeline(
    tx,
    id,
    {
      type: 'incident.acknowledged',
      message: `acknowledged by ${actor}${note ? `: ${note}` : ''}`,
      actor,
      data: note ? { note } : {},
    },
    now,
  );
  const after = await lockIncident(tx, id);
  await deps.hooks?.settled?.(tx, summaryOf(after), 'acknowledged');
  await notifyIncident(tx, deps.store, 'incident.acknowledged', after, { actor, now });
  return after;
}

/** Resolve: a person says it is over, or its alerts all resolved, or its site is reachable again. */
export async function resolveIncident(
  tx: Tx,
  deps: IncidentDeps,
  id: string,
  actor: string,
  reason?: string,
): Promise<Incident> {
  const now = deps.clock();
  const before = await lockIncident(tx, id);
  const status = nextStatus(before.status, 'resolve');
  await updateIncident(tx, id, { status, resolved_at: now, resolved_by: actor, open_key: null }, now);
  await insertTimeline(
    tx,
    id,
    {
      type: 'incident.resolved',
      message: `resolved by ${actor}${reason ? `: ${reason}` : ''}`,
      actor,
      data: reason ? { reason } : {},
    },
    now,
  );
  const after = await lockIncident(tx, id);
  await deps.hooks?.settled?.(tx, summaryOf(after), 'resolved');
  await notifyIncident(tx, deps.store, 'incident.resolved', after, { actor, now });
  return after;
}

/** Give an incident to a team and/or a person. */
export async function reassignIncident(
  tx: Tx,
  deps: IncidentDeps,
  id: string,
  to: { team?: string | null; assignee?: string | null },
  actor: string,
): Promise<Incident> {
  const now = deps.clock();
  const before = await lockIncident(tx, id);
  if (to.team !== undefined && to.team !== null) {
    const team = await tx.db
      .selectFrom('teams')
      .select('name')
      .where('name', '=', to.team)
      .executeTakeFirst();
    if (!team) throw new TandemError('not_found', `no team ${to.team}`);
  }
  if (to.assignee !== undefined && to.assignee !== null) {
    const user = await tx.db
      .selectFrom('users')
      .select('username')
      .where('username', '=', to.assignee)
      .executeTakeFirst();
    if (!user) throw new TandemError('not_found', `no user ${to.assignee}`);
  }
  const patch = {
    ...(to.team === undefined ? {} : { team: to.team }),
    ...(to.assignee === undefined ? {} : { assignee: to.assignee }),
  };
  await updateIncident(tx, id, patch, now);
  const what = [
    ...(to.team === undefined ? [] : [`team ${to.team ?? '(none)'}`]),
    ...(to.assignee === undefined ? [] : [`assignee ${to.assignee ?? '(none)'}`]),
  ].join(', ');
  await insertTimeline(
    tx,
    id,
    {
      type: 'incident.reassigned',
      message: `reassigned to ${what} by ${actor}`,
      actor,
      data: { from: { team: before.team, assignee: before.assignee }, to: patch },
    },
    now,
  );
  return lockIncident(tx, id);
}

/** Set the team routing chose (on-call calls this), with a timeline entry. */
export async function setIncidentTeam(
  tx: Tx,
  id: string,
  team: string,
  now: number = Date.now(),
): Promise<void> {
  await lockIncident(tx, id);
  await updateIncident(tx, id, { team }, now);
}

/** Append a note by a person. */
export async function addNote(tx: Tx, id: string, actor: string, text: string, now: number): Promise<void> {
  await lockIncident(tx, id);
  await insertTimeline(tx, id, { type: 'note', message: text, actor, data: {} }, now);
}

export const siteKey = (site: string): string => `site:${site}`;

/**
 * A site is cut off (the probes say so): open its one site incident, or answer the open one.
 * Alerts of the site join it from now on, until `resolveSiteIncident`.
 */
export async function openSiteIncident(
  tx: Tx,
  deps: IncidentDeps,
  site: string,
  reason: string,
): Promise<IncidentSummary> {
  const open = await openIncidentByKey(tx.db, siteKey(site));
  if (open !== null) return summaryOf(await lockIncident(tx, open));
  const incident = await openIncident(tx, deps, {
    title: `Site ${site} is cut off`,
    severity: 'critical',
    site,
    resource: null,
    grouping: 'site',
    labels: { site },
    source: null,
    groupKey: null,
    openKey: siteKey(site),
    autoResolve: false,
    event: null,
    actor: 'probes',
    message: `site ${site} is cut off: ${reason}`,
  });
  return summaryOf(incident);
}

/** The site is reachable again: resolve its open site incident (undefined when there is none). */
export async function resolveSiteIncident(
  tx: Tx,
  deps: IncidentDeps,
  site: string,
  reason: string,
): Promise<IncidentSummary | undefined> {
  const open = await openIncidentByKey(tx.db, siteKey(site));
  if (open === null) return undefined;
  return summaryOf(await resolveIncident(tx, deps, open, 'probes', reason));
}
