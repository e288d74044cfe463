/**
 * Maintenance windows in the store, and the question ingest (and the rules) ask: which window, if
 * any, covers this alert now. Windows are few, so those not yet over are read and decided in
 * memory (core/events/maintenance); only selectors that look at other resources go to the estate.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Resource } from '../core/estate/index.ts';
import {
  activeOccurrence,
  coveringWindow,
  needsEstate,
  type MaintenanceSubject,
  type MaintenanceWindow,
} from '../core/events/index.ts';
import { parseSelector } from '../core/estate/index.ts';
import type { Database, MaintenanceWindowRow } from '../store/index.ts';
import { selectorPicks } from './estate-lookup.ts';

type Db = Kysely<Database> | Transaction<Database>;

export interface StoredWindow extends MaintenanceWindow {
  createdBy: string | null;
  createdAt: number;
}

function windowOfRow(r: MaintenanceWindowRow): StoredWindow {
  return {
    id: r.id,
    reason: r.reason,
    selector: r.selector,
    site: r.site,
    startsAt: r.starts_at,
    endsAt: r.ends_at,
    cron: r.cron,
    durationMs: r.duration_ms,
    timeZone: r.time_zone,
    createdBy: r.created_by,
    createdAt: r.created_at,
  };
}

export async function insertWindow(
  db: Db,
  w: MaintenanceWindow,
  o: { actor: string | null; now: number },
): Promise<StoredWindow> {
  const row: MaintenanceWindowRow = {
    id: w.id,
    reason: w.reason,
    selector: w.selector,
    site: w.site,
    starts_at: w.startsAt,
    ends_at: w.endsAt,
    cron: w.cron,
    duration_ms: w.durationMs,
    time_zone: w.timeZone,
    created_by: o.actor,
    created_at: o.now,
  };
  await db.insertInto('maintenance_windows').values(row).execute();
  return windowOfRow(row);
}

export async function findWindow(db: Db, id: string): Promise<StoredWindow | undefined> {
  const row = await db.selectFrom('maintenance_windows').selectAll().where('id', '=', id).executeTakeFirst();
  return row && windowOfRow(row);
}

/** Windows, newest first; with `current`, only those not over at `now`. */
export async function listWindows(db: Db, o: { now: number; current?: boolean }): Promise<StoredWindow[]> {
  let q = db.selectFrom('maintenance_windows').selectAll();
  if (o.current) q = q.where((eb) => eb.or([eb('ends_at', 'is', null), eb('ends_at', '>', o.now)]));
  const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(10_000).execute();
  return rows.map(windowOfRow);
}

export async function deleteWindow(db: Db, id: string): Promise<boolean> {
  const res = await db.deleteFrom('maintenance_windows').where('id', '=', id).executeTakeFirst();
  return res.numDeletedRows > 0n;
}

/** The windows in effect at `now` (to decide several alerts against). */
export async function windowsInEffect(db: Db, now: number): Promise<StoredWindow[]> {
  return (await listWindows(db, { now, current: true })).filter((w) => activeOccurrence(w, now) !== null);
}

/** The window in effect among `windows` that covers the alert, or null. */
export async function coveringWindowOf(
  db: Db,
  windows: readonly MaintenanceWindow[],
  alert: { site: string | null; labels: Record<string, string>; resource: Resource | null },
  now: number,
): Promise<MaintenanceWindow | null> {
  if (windows.length === 0) return null;
  const subject: MaintenanceSubject = alert;
  // Selectors over other resources are asked of the estate first; the rest is decided in memory.
  const picked = new Set<string>();
  const resource = alert.resource;
  if (resource !== null)
    for (const w of windows) {
      if (w.selector === null || (w.site !== null && w.site !== alert.site)) continue;
      const selector = parseSelector(w.selector);
      if (needsEstate(selector) && (await selectorPicks(db, selector, resource))) picked.add(w.id);
    }
  return coveringWindow(windows, subject, now, (w) => picked.has(w.id));
}
