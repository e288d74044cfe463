/** The alerts table: one row per fingerprint, the state its events deduplicate into. */
import type { Kysely, Transaction } from 'kysely';
import type { AlertState, Severity } from '../core/events/index.ts';
import { TandemError } from '../core/errors.ts';
import type { AlertRow, Database, Tx } from '../store/index.ts';

type Db = Kysely<Database> | Transaction<Database>;

export function alertOf(row: AlertRow): AlertState {
  return {
    fingerprint: row.fingerprint,
    source: row.source,
    status: row.status === 'resolved' ? 'resolved' : 'firing',
    severity: row.severity as Severity,
    summary: row.summary,
    labels: JSON.parse(row.labels) as Record<string, string>,
    resource: row.resource,
    site: row.site,
    groupKey: row.group_key,
    incidentId: row.incident_id,
    suppressedBy: row.suppressed_by,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    firstSeenAt: row.first_seen_at,
    lastSeenAt: row.last_seen_at,
    resolvedAt: row.resolved_at,
    count: row.count,
    lastEventId: row.last_event_id,
  };
}

/**
 * The alerts of `fingerprints`, locked until the transaction ends (PostgreSQL), in one statement
 * per 500; in fingerprint order, so two requests locking the same alerts take them in one order.
 */
export async function lockAlerts(tx: Tx, fingerprints: readonly string[]): Promise<Map<string, AlertState>> {
  const out = new Map<string, AlertState>();
  const sorted = [...new Set(fingerprints)].sort();
  for (let i = 0; i < sorted.length; i += 500) {
    const rows = await tx.dialect
      .forUpdate(
        tx.db
          .selectFrom('alerts')
          .selectAll()
          .where('fingerprint', 'in', sorted.slice(i, i + 500))
          .orderBy('fingerprint'),
      )
      .execute();
    for (const r of rows) out.set(r.fingerprint, alertOf(r));
  }
  return out;
}

function rowOf(a: AlertState): AlertRow {
  return {
    fingerprint: a.fingerprint,
    source: a.source,
    status: a.status,
    severity: a.severity,
    summary: a.summary,
    labels: JSON.stringify(a.labels),
    resource: a.resource,
    site: a.site,
    group_key: a.groupKey,
    incident_id: a.incidentId,
    suppressed_by: a.suppressedBy,
    starts_at: a.startsAt,
    ends_at: a.endsAt,
    first_seen_at: a.firstSeenAt,
    last_seen_at: a.lastSeenAt,
    resolved_at: a.resolvedAt,
    count: a.count,
    last_event_id: a.lastEventId,
  };
}

/** Write the alert: insert it when `isNew`, else update it. Two first events at once: one retries. */
export async function saveAlert(tx: Tx, a: AlertState, isNew: boolean): Promise<void> {
  const row = rowOf(a);
  if (!isNew) {
    const { fingerprint: _f, ...rest } = row;
    await tx.db.updateTable('alerts').set(rest).where('fingerprint', '=', a.fingerprint).execute();
    return;
  }
  try {
    await tx.db.insertInto('alerts').values(row).execute();
  } catch (err: unknown) {
    if (tx.dialect.isUniqueViolation(err))
      throw new TandemError('conflict', `alert ${a.fingerprint} arrived twice at once; trying again`, {
        retryable: true,
        cause: err,
      });
    throw err;
  }
}

/** How many alerts of an incident still fire. */
export async function firingAlertCount(db: Db, incidentId: string): Promise<number> {
  const row = await db
    .selectFrom('alerts')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('incident_id', '=', incidentId)
    .where('status', '=', 'firing')
    .executeTakeFirstOrThrow();
  return row.n;
}

/** The alerts of an incident, firing first, then by when they were last seen. */
export async function incidentAlerts(db: Db, incidentId: string, limit = 500): Promise<AlertState[]> {
  const rows = await db
    .selectFrom('alerts')
    .selectAll()
    .where('incident_id', '=', incidentId)
    .orderBy('status')
    .orderBy('last_seen_at', 'desc')
    .limit(limit)
    .execute();
  return rows.map(alertOf);
}

export interface AlertQuery {
  status?: 'firing' | 'resolved';
  limit: number;
}

/** Alerts, most recently seen first. */
export async function listAlerts(db: Db, q: AlertQuery): Promise<AlertState[]> {
  let query = db.selectFrom('alerts').selectAll();
  if (q.status !== undefined) query = query.where('status', '=', q.status);
  const rows = await query.orderBy('last_seen_at', 'desc').limit(q.limit).execute();
  return rows.map(alertOf);
}
