/**
 * The events table: every event received, normalised, with what it did (its outcome), the
 * incident it went to and the maintenance window that suppressed it.
 */
import type { Kysely, Transaction } from 'kysely';
import {
  refKey,
  refOf,
  type EventSourceKind,
  type NormalizedEvent,
  type Severity,
} from '../core/events/index.ts';
import type { Database, EventRow, Tx } from '../store/index.ts';

type Db = Kysely<Database> | Transaction<Database>;

/** What an event did. */
export type EventOutcome =
  /** It opened an incident. */
  | 'opened'
  /** Its alert joined an open incident (by site, group or topology). */
  | 'joined'
  /** It repeated an alert already in an open incident. */
  | 'updated'
  /** Its alert resolved. */
  | 'resolved'
  /** The sender acknowledged its alert (and so its incident). */
  | 'acknowledged'
  /** A maintenance window covered it: stored, nothing opened, nobody notified. */
  | 'suppressed'
  /** Nothing to do: a late delivery of an older episode, a second resolution. */
  | 'ignored';

/** An event as stored, with what it did. */
export interface StoredEvent extends NormalizedEvent {
  details: Record<string, unknown> | null;
  outcome: EventOutcome;
  incidentId: string | null;
  suppressedBy: string | null;
}

export async function insertEvent(tx: Tx, e: StoredEvent): Promise<void> {
  await tx.db
    .insertInto('events')
    .values({
      id: e.id,
      source: e.source,
      source_kind: e.sourceKind,
      fingerprint: e.fingerprint,
      status: e.status,
      severity: e.severity,
      summary: e.summary,
      description: e.description,
      labels: JSON.stringify(e.labels),
      annotations: JSON.stringify(e.annotations),
      details: e.details === null ? null : JSON.stringify(e.details),
      resource: e.resource === null ? null : refKey(e.resource),
      site: e.site,
      group_key: e.groupKey,
      starts_at: e.startsAt,
      ends_at: e.endsAt,
      received_at: e.receivedAt,
      generator_url: e.generatorUrl,
      outcome: e.outcome,
      incident_id: e.incidentId,
      suppressed_by: e.suppressedBy,
    })
    .execute();
}

export function eventOf(row: EventRow): StoredEvent {
  return {
    id: row.id,
    source: row.source,
    sourceKind: row.source_kind as EventSourceKind,
    fingerprint: row.fingerprint,
    status: row.status as NormalizedEvent['status'],
    severity: row.severity as Severity,
    summary: row.summary,
    description: row.description,
    labels: JSON.parse(row.labels) as Record<string, string>,
    annotations: JSON.parse(row.annotations) as Record<string, string>,
    details: row.details === null ? null : (JSON.parse(row.details) as Record<string, unknown>),
    resource: refOf(row.resource),
    site: row.site,
    groupKey: row.group_key,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    receivedAt: row.received_at,
    generatorUrl: row.generator_url,
    outcome: row.outcome as EventOutcome,
    incidentId: row.incident_id,
    suppressedBy: row.suppressed_by,
  };
}

export async function findEvent(db: Db, id: string): Promise<StoredEvent | undefined> {
  const row = await db.selectFrom('events').selectAll().where('id', '=', id).executeTakeFirst();
  return row && eventOf(row);
}

export interface EventQuery {
  source?: string;
  fingerprint?: string;
  incidentId?: string;
  status?: string;
  since?: number;
  /** Events received before this id (ids are time-ordered): the cursor of the previous page. */
  before?: string;
  limit: number;
}

/** Events, newest first, a page at a time. */
export async function listEvents(db: Db, q: EventQuery): Promise<{ events: StoredEvent[]; more: boolean }> {
  let query = db.selectFrom('events').selectAll();
  if (q.source !== undefined) query = query.where('source', '=', q.source);
  if (q.fingerprint !== undefined) query = query.where('fingerprint', '=', q.fingerprint);
  if (q.incidentId !== undefined) query = query.where('incident_id', '=', q.incidentId);
  if (q.status !== undefined) query = query.where('status', '=', q.status);
  if (q.since !== undefined) query = query.where('received_at', '>=', q.since);
  if (q.before !== undefined) query = query.where('id', '<', q.before);
  const rows = await query
    .orderBy('id', 'desc')
    .limit(q.limit + 1)
    .execute();
  return { events: rows.slice(0, q.limit).map(eventOf), more: rows.length > q.limit };
}
