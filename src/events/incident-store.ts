/**
 * Incidents in the store: their rows, timeline and linked runs, read and written. The operations
 * that move an incident (open, acknowledge, resolve…) with their notifications are in incidents.ts.
 */
import type { Kysely, Transaction } from 'kysely';
import {
  refKey,
  refOf,
  type IncidentStatus,
  type IncidentSummary,
  type ResourceRef,
  type Severity,
} from '../core/events/index.ts';
import { TandemError } from '../core/errors.ts';
import type { Database, IncidentRow, IncidentTimelineRow, Tx } from '../store/index.ts';

type Db = Kysely<Database> | Transaction<Database>;

/** An incident with everything the store keeps of it. */
export interface Incident extends IncidentSummary {
  labels: Record<string, string>;
  /** The person it is assigned to, if any (the team is `team`). */
  assignee: string | null;
  /** The source of the alert that opened it (null for site incidents). */
  source: string | null;
  groupKey: string | null;
  autoResolve: boolean;
  acknowledgedAt: number | null;
  acknowledgedBy: string | null;
  resolvedBy: string | null;
  updatedAt: number;
}

/** What an incident's timeline records: alerts joining, status changes, notes, runs, notifications. */
export interface TimelineEntry {
  /** `incident.triggered`, `alert.joined`, `alert.resolved`, `alert.suppressed`, `note`, `run.linked`… */
  type: string;
  message: string;
  /** Who: a username, `source:<name>`, `rule:<name>`, `system`. */
  actor?: string | null;
  data?: Record<string, unknown>;
  eventId?: string | null;
  runId?: string | null;
  /** When (default: now). */
  at?: number;
}

export interface StoredTimelineEntry {
  id: number;
  at: number;
  type: string;
  actor: string | null;
  message: string;
  data: Record<string, unknown>;
  eventId: string | null;
  runId: string | null;
}

export function incidentOf(r: IncidentRow): Incident {
  return {
    id: r.id,
    status: r.status as IncidentStatus,
    severity: r.severity as Severity,
    title: r.title,
    site: r.site,
    resource: refOf(r.resource),
    team: r.team,
    grouping: r.grouping as Incident['grouping'],
    openedAt: r.opened_at,
    resolvedAt: r.resolved_at,
    labels: JSON.parse(r.labels) as Record<string, string>,
    assignee: r.assignee,
    source: r.source,
    groupKey: r.group_key,
    autoResolve: r.auto_resolve !== 0,
    acknowledgedAt: r.acknowledged_at,
    acknowledgedBy: r.acknowledged_by,
    resolvedBy: r.resolved_by,
    updatedAt: r.updated_at,
  };
}

/** The narrow view others (rules, on-call) work with. */
export function summaryOf(i: Incident): IncidentSummary {
  return {
    id: i.id,
    status: i.status,
    severity: i.severity,
    title: i.title,
    site: i.site,
    resource: i.resource,
    team: i.team,
    grouping: i.grouping,
    openedAt: i.openedAt,
    resolvedAt: i.resolvedAt,
    labels: i.labels,
  };
}

export interface NewIncidentRow {
  id: string;
  severity: Severity;
  title: string;
  site: string | null;
  resource: ResourceRef | null;
  grouping: Incident['grouping'];
  labels: Record<string, string>;
  source: string | null;
  groupKey: string | null;
  openKey: string | null;
  autoResolve: boolean;
  now: number;
}

export async function insertIncident(tx: Tx, n: NewIncidentRow): Promise<Incident> {
  const row: IncidentRow = {
    id: n.id,
    status: 'triggered',
    severity: n.severity,
    title: n.title,
    site: n.site,
    resource: n.resource === null ? null : refKey(n.resource),
    team: null,
    assignee: null,
    grouping: n.grouping,
    labels: JSON.stringify(n.labels),
    source: n.source,
    group_key: n.groupKey,
    open_key: n.openKey,
    auto_resolve: n.autoResolve ? 1 : 0,
    opened_at: n.now,
    acknowledged_at: null,
    acknowledged_by: null,
    resolved_at: null,
    resolved_by: null,
    updated_at: n.now,
  };
  try {
    await tx.db.insertInto('incidents').values(row).execute();
  } catch (err: unknown) {
    // Another transaction opened the incident of this site or group first: join it on the retry.
    if (tx.dialect.isUniqueViolation(err))
      throw new TandemError('conflict', `an incident for ${n.openKey ?? n.id} was opened at the same time`, {
        retryable: true,
        cause: err,
      });
    throw err;
  }
  return incidentOf(row);
}

export async function findIncident(db: Db, id: string): Promise<Incident | undefined> {
  const row = await db.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirst();
  return row && incidentOf(row);
}

/** The incident, locked until the transaction ends (PostgreSQL); not found is a 404. */
export async function lockIncident(tx: Tx, id: string): Promise<Incident> {
  const row = await tx.dialect
    .forUpdate(tx.db.selectFrom('incidents').selectAll().where('id', '=', id))
    .executeTakeFirst();
  if (!row) throw new TandemError('not_found', `no incident ${id}`);
  return incidentOf(row);
}

/** The open incident holding `openKey` (`site:<name>`, `group:<source>|<key>`). */
export async function openIncidentByKey(db: Db, openKey: string): Promise<string | null> {
  const row = await db
    .selectFrom('incidents')
    .select('id')
    .where('open_key', '=', openKey)
    .executeTakeFirst();
  return row?.id ?? null;
}

/** The open incidents holding any of `keys` (nulls skipped), by key: one query. */
export async function openIncidentsByKey(
  db: Db,
  keys: readonly (string | null)[],
): Promise<Map<string, string>> {
  const wanted = keys.filter((k): k is string => k !== null);
  if (wanted.length === 0) return new Map();
  const rows = await db
    .selectFrom('incidents')
    .select(['id', 'open_key'])
    .where('open_key', 'in', wanted)
    .execute();
  return new Map(rows.map((r) => [r.open_key!, r.id]));
}

export type IncidentPatch = Partial<
  Pick<
    IncidentRow,
    | 'status'
    | 'severity'
    | 'team'
    | 'assignee'
    | 'open_key'
    | 'acknowledged_at'
    | 'acknowledged_by'
    | 'resolved_at'
    | 'resolved_by'
  >
>;

export async function updateIncident(tx: Tx, id: string, patch: IncidentPatch, now: number): Promise<void> {
  await tx.db
    .updateTable('incidents')
    .set({ ...patch, updated_at: now })
    .where('id', '=', id)
    .execute();
}

export async function insertTimeline(
  tx: Tx,
  incidentId: string,
  e: TimelineEntry,
  now: number,
): Promise<void> {
  await tx.db
    .insertInto('incident_timeline')
    .values({
      incident_id: incidentId,
      at: e.at ?? now,
      type: e.type,
      actor: e.actor ?? null,
      message: e.message,
      data: JSON.stringify(e.data ?? {}),
      event_id: e.eventId ?? null,
      run_id: e.runId ?? null,
    })
    .execute();
}

function entryOf(r: IncidentTimelineRow): StoredTimelineEntry {
  return {
    id: r.id,
    at: r.at,
    type: r.type,
    actor: r.actor,
    message: r.message,
    data: JSON.parse(r.data) as Record<string, unknown>,
    eventId: r.event_id,
    runId: r.run_id,
  };
}

/** The timeline, oldest first (at most `limit` entries). */
export async function incidentTimeline(db: Db, id: string, limit = 1000): Promise<StoredTimelineEntry[]> {
  const rows = await db
    .selectFrom('incident_timeline')
    .selectAll()
    .where('incident_id', '=', id)
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map(entryOf);
}

export interface LinkedRun {
  incidentId: string;
  runId: string;
  rule: string | null;
  runbook: string | null;
  status: string | null;
  linkedAt: number;
}

/** Runs linked to the incidents `ids`, newest first, with their runbook and status. */
export async function linkedRuns(db: Db, ids: readonly string[], limit = 200): Promise<LinkedRun[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('incident_runs as l')
    .leftJoin('runs as r', 'r.id', 'l.run_id')
    .select(['l.incident_id', 'l.run_id', 'l.rule', 'l.created_at', 'r.runbook', 'r.status'])
    .where('l.incident_id', 'in', [...ids])
    .orderBy('l.created_at', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    incidentId: r.incident_id,
    runId: r.run_id,
    rule: r.rule,
    runbook: r.runbook,
    status: r.status,
    linkedAt: r.created_at,
  }));
}

export interface IncidentQuery {
  status?: IncidentStatus | 'open';
  site?: string;
  team?: string;
  resource?: string;
  /** Incidents opened before this id (ids are time-ordered): the cursor of the previous page. */
  before?: string;
  limit: number;
}

/** Incidents, newest first, a page at a time. */
export async function listIncidents(
  db: Db,
  q: IncidentQuery,
): Promise<{ incidents: Incident[]; more: boolean }> {
  let query = db.selectFrom('incidents').selectAll();
  if (q.status === 'open') query = query.where('status', 'in', ['triggered', 'acknowledged']);
  else if (q.status !== undefined) query = query.where('status', '=', q.status);
  if (q.site !== undefined) query = query.where('site', '=', q.site);
  if (q.team !== undefined) query = query.where('team', '=', q.team);
  if (q.resource !== undefined) query = query.where('resource', '=', q.resource);
  if (q.before !== undefined) query = query.where('id', '<', q.before);
  const rows = await query
    .orderBy('id', 'desc')
    .limit(q.limit + 1)
    .execute();
  return { incidents: rows.slice(0, q.limit).map(incidentOf), more: rows.length > q.limit };
}

/** The resources (`kind/name`) an incident's alerts are on, its own first. */
export async function incidentResources(db: Db, incident: Incident): Promise<string[]> {
  const rows = await db
    .selectFrom('events')
    .select('resource')
    .distinct()
    .where('incident_id', '=', incident.id)
    .where('resource', 'is not', null)
    .limit(100)
    .execute();
  const own = incident.resource === null ? [] : [refKey(incident.resource)];
  return [...new Set([...own, ...rows.map((r) => r.resource!).sort()])];
}

/** Other incidents about the same resources, newest first: what happened there before. */
export async function pastIncidentsOn(
  db: Db,
  resources: readonly string[],
  except: string,
  limit = 20,
): Promise<Incident[]> {
  if (resources.length === 0) return [];
  const rows = await db
    .selectFrom('incidents')
    .selectAll()
    .where('resource', 'in', [...resources])
    .where('id', '<>', except)
    .orderBy('opened_at', 'desc')
    .limit(limit)
    .execute();
  return rows.map(incidentOf);
}
