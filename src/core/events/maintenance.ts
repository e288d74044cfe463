/**
 * Maintenance windows, pure: when a window is in effect (once between two times, or recurring at
 * each fire time of a cron in a time zone for a duration, optionally only between two times) and
 * which alerts it covers (its site, and its estate selector matched on the alert's resource or,
 * for fields and labels, on the alert's own labels). A window with neither covers every alert.
 */
import { Cron } from 'croner';
import { z } from 'zod';
import {
  matches,
  parseSelector,
  ResourceSet,
  SITE_PATTERN,
  type Selectable,
  type Selector,
} from '../estate/index.ts';
import { DURATION_PATTERN, parseDuration } from '../runbook/index.ts';

export interface MaintenanceWindow {
  id: string;
  reason: string;
  /** An estate selector (`kind=database,env=prod`); null: any resource. */
  selector: string | null;
  site: string | null;
  /** One-off: the window itself. Recurring: the period within which it recurs (either may be null). */
  startsAt: number | null;
  endsAt: number | null;
  /** Recurring: a cron (5 or 6 fields) whose fire times open the window… */
  cron: string | null;
  /** …for this long… */
  durationMs: number | null;
  /** …read in this IANA time zone. */
  timeZone: string | null;
}

/** The longest window or recurrence: a year. */
const MAX_DURATION_MS = 366 * 24 * 3600_000;

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const cronOf = (pattern: string, timeZone: string) =>
  new Cron(pattern, { timezone: timeZone, paused: true, mode: '5-or-6-parts' });

const time = z.iso.datetime({ offset: true, error: 'an RFC 3339 time, e.g. 2026-12-01T22:00:00+08:00' });

/** A window as people write it (API body; the CLI sends the same). */
export const maintenanceSpec = z
  .strictObject({
    reason: z.string().min(1).max(1000),
    selector: z
      .string()
      .max(4096)
      .superRefine((s, ctx) => {
        try {
          parseSelector(s);
        } catch (err: unknown) {
          ctx.addIssue({ code: 'custom', message: err instanceof Error ? err.message : String(err) });
        }
      })
      .optional()
      .describe('Estate selector of the resources covered, e.g. kind=database,site=idc-sh'),
    site: z.string().regex(SITE_PATTERN, 'a site name').optional().describe('Only alerts of this site'),
    starts_at: time.optional().describe('One-off: when it starts; recurring: from when it recurs'),
    ends_at: time.optional().describe('One-off: when it ends; recurring: until when it recurs'),
    cron: z
      .string()
      .max(200)
      .optional()
      .describe('Recurring: when each occurrence starts, e.g. "0 2 * * sat"'),
    duration: z
      .string()
      .regex(DURATION_PATTERN, 'a duration such as 30m, 2h or 1h30m')
      .optional()
      .describe('Recurring: how long each occurrence lasts'),
    time_zone: z.string().max(64).optional().describe('Recurring: the time zone of the cron (default UTC)'),
  })
  .superRefine((w, ctx) => {
    const start = w.starts_at === undefined ? null : Date.parse(w.starts_at);
    const end = w.ends_at === undefined ? null : Date.parse(w.ends_at);
    if (start !== null && end !== null && end <= start)
      ctx.addIssue({ code: 'custom', path: ['ends_at'], message: 'must be after starts_at' });
    if (w.cron === undefined) {
      if (start === null || end === null)
        ctx.addIssue({
          code: 'custom',
          path: [start === null ? 'starts_at' : 'ends_at'],
          message: 'a one-off window needs starts_at and ends_at (or give cron and duration to recur)',
        });
      else if (end - start > MAX_DURATION_MS)
        ctx.addIssue({ code: 'custom', path: ['ends_at'], message: 'a window lasts a year at most' });
      for (const k of ['duration', 'time_zone'] as const)
        if (w[k] !== undefined)
          ctx.addIssue({ code: 'custom', path: [k], message: 'only for a recurring window (cron)' });
      return;
    }
    const tz = w.time_zone ?? 'UTC';
    if (!isTimeZone(tz))
      ctx.addIssue({
        code: 'custom',
        path: ['time_zone'],
        message: 'an IANA time zone such as Asia/Shanghai',
      });
    else
      try {
        cronOf(w.cron, tz);
      } catch (err: unknown) {
        ctx.addIssue({
          code: 'custom',
          path: ['cron'],
          message: err instanceof Error ? err.message : String(err),
        });
      }
    if (w.duration === undefined)
      ctx.addIssue({ code: 'custom', path: ['duration'], message: 'a recurring window needs a duration' });
    else if (parseDuration(w.duration) > MAX_DURATION_MS || parseDuration(w.duration) <= 0)
      ctx.addIssue({ code: 'custom', path: ['duration'], message: 'between 1 ms and a year' });
  });
export type MaintenanceSpec = z.output<typeof maintenanceSpec>;

/** The window a checked spec describes. */
export function windowOf(id: string, s: MaintenanceSpec): MaintenanceWindow {
  return {
    id,
    reason: s.reason,
    selector: s.selector === undefined || s.selector.trim() === '' ? null : s.selector,
    site: s.site ?? null,
    startsAt: s.starts_at === undefined ? null : Date.parse(s.starts_at),
    endsAt: s.ends_at === undefined ? null : Date.parse(s.ends_at),
    cron: s.cron ?? null,
    durationMs: s.duration === undefined ? null : parseDuration(s.duration),
    timeZone: s.cron === undefined ? null : (s.time_zone ?? 'UTC'),
  };
}

/** The occurrence of `w` in effect at `now` as [start, end), or null when none is. */
export function activeOccurrence(w: MaintenanceWindow, now: number): { start: number; end: number } | null {
  if (w.startsAt !== null && now < w.startsAt) return null;
  if (w.endsAt !== null && now >= w.endsAt) return null;
  if (w.cron === null)
    return w.startsAt !== null && w.endsAt !== null ? { start: w.startsAt, end: w.endsAt } : null;
  // previousRuns excludes a fire time exactly at the reference: look from just after now.
  const last = cronOf(w.cron, w.timeZone ?? 'UTC')
    .previousRuns(1, new Date(now + 1))[0]
    ?.getTime();
  if (last === undefined || w.durationMs === null || now >= last + w.durationMs) return null;
  const end = w.endsAt === null ? last + w.durationMs : Math.min(w.endsAt, last + w.durationMs);
  return { start: Math.max(last, w.startsAt ?? last), end };
}

/** The next occurrence starting after `now` (for listings), or null. */
export function nextOccurrence(w: MaintenanceWindow, now: number): number | null {
  if (w.cron === null) return w.startsAt !== null && w.startsAt > now ? w.startsAt : null;
  const from = Math.max(now, (w.startsAt ?? now) - 1);
  const next =
    cronOf(w.cron, w.timeZone ?? 'UTC')
      .nextRun(new Date(from))
      ?.getTime() ?? null;
  return next !== null && (w.endsAt === null || next < w.endsAt) ? next : null;
}

/** Whether a window will never be in effect again after `now` (it may be removed). */
export const windowExpired = (w: MaintenanceWindow, now: number): boolean =>
  w.endsAt !== null && now >= w.endsAt;

/** What an alert is, as windows see it. */
export interface MaintenanceSubject {
  site: string | null;
  labels: Record<string, string>;
  /** The estate resource it is about, with its relations. */
  resource: Selectable | null;
}

/** Whether a selector has terms that look at other resources (so the estate must answer). */
export const needsEstate = (s: Selector): boolean => s.terms.some((t) => t.type === 'relation');

/**
 * Whether `w` covers `subject` (its time aside). Relation terms that look at other resources
 * (`depends_on(kind=database)`) are answered by `estateMatch`, which the shell asks the store.
 */
export function windowCovers(
  w: MaintenanceWindow,
  subject: MaintenanceSubject,
  estateMatch: (selector: Selector) => boolean = () => false,
): boolean {
  if (w.site !== null && subject.site !== w.site) return false;
  if (w.selector === null) return true;
  const selector = parseSelector(w.selector);
  if (subject.resource !== null) {
    if (needsEstate(selector)) {
      if (estateMatch(selector)) return true;
    } else if (matches(selector, subject.resource, new ResourceSet([subject.resource]))) return true;
  }
  // The alert's own labels, for alerts of no known resource or selectors on alert labels.
  if (needsEstate(selector)) return false;
  const pseudo: Selectable = {
    kind: subject.labels.kind ?? '',
    name: subject.labels.name ?? '',
    site: subject.site,
    labels: subject.labels,
    properties: {},
    relations: [],
    source: '',
  };
  return matches(selector, pseudo, new ResourceSet([pseudo]));
}

/** The first window (by id order) in effect at `now` that covers `subject`, or null. */
export function coveringWindow(
  windows: readonly MaintenanceWindow[],
  subject: MaintenanceSubject,
  now: number,
  estateMatch?: (w: MaintenanceWindow, selector: Selector) => boolean,
): MaintenanceWindow | null {
  for (const w of [...windows].sort((a, b) => (a.id < b.id ? -1 : 1)))
    if (
      activeOccurrence(w, now) !== null &&
      windowCovers(w, subject, estateMatch ? (s) => estateMatch(w, s) : undefined)
    )
      return w;
  return null;
}
