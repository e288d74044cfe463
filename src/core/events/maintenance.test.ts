import { describe, expect, it } from 'vitest';
import type { Selectable } from '../estate/index.ts';
import {
  activeOccurrence,
  coveringWindow,
  maintenanceSpec,
  nextOccurrence,
  windowCovers,
  windowOf,
  type MaintenanceWindow,
} from './maintenance.ts';

const at = (iso: string) => Date.parse(iso);

const once = windowOf(
  'w-once',
  maintenanceSpec.parse({
    reason: 'upgrade',
    selector: 'kind=database',
    starts_at: '2026-12-01T22:00:00+08:00',
    ends_at: '2026-12-02T02:00:00+08:00',
  }),
);
// Saturdays 02:00–04:00 in Shanghai, from December on.
const weekly = windowOf(
  'w-weekly',
  maintenanceSpec.parse({
    reason: 'weekly patching',
    site: 'idc-sh',
    cron: '0 2 * * sat',
    duration: '2h',
    time_zone: 'Asia/Shanghai',
    starts_at: '2026-12-01T00:00:00Z',
  }),
);

const db: Selectable = {
  kind: 'database',
  name: 'pg-main',
  site: 'idc-sh',
  labels: { env: 'prod' },
  properties: {},
  relations: [{ type: 'runs_on', kind: 'host', name: 'pg-sh-1' }],
  source: 'lab',
};

describe('when a maintenance window is in effect', () => {
  it('is in effect from its start (included) to its end (excluded), once', () => {
    expect(activeOccurrence(once, at('2026-12-01T13:59:59Z'))).toBeNull();
    expect(activeOccurrence(once, at('2026-12-01T14:00:00Z'))).not.toBeNull();
    expect(activeOccurrence(once, at('2026-12-01T17:59:59Z'))).not.toBeNull();
    expect(activeOccurrence(once, at('2026-12-01T18:00:00Z'))).toBeNull();
  });

  it('recurs at each cron time in its time zone, for its duration, within its period', () => {
    // Saturday 2026-12-05 02:30 in Shanghai is 2026-12-04T18:30Z.
    expect(activeOccurrence(weekly, at('2026-12-04T18:30:00Z'))).toEqual({
      start: at('2026-12-04T18:00:00Z'),
      end: at('2026-12-04T20:00:00Z'),
    });
    expect(activeOccurrence(weekly, at('2026-12-04T20:00:00Z'))).toBeNull();
    expect(activeOccurrence(weekly, at('2026-12-04T17:59:00Z'))).toBeNull();
    // The same wall-clock time in UTC is not it.
    expect(activeOccurrence(weekly, at('2026-12-05T02:30:00Z'))).toBeNull();
    // Before the period it recurs in.
    expect(activeOccurrence(weekly, at('2026-11-28T18:30:00Z'))).toBeNull();
    expect(nextOccurrence(weekly, at('2026-12-01T00:00:00Z'))).toBe(at('2026-12-04T18:00:00Z'));
  });
});

describe('which alerts a window covers', () => {
  const noLabels = { site: 'idc-sh', labels: {}, resource: db };

  it('matches its selector on the alert’s resource, and its site on the alert’s site', () => {
    expect(windowCovers(once, noLabels)).toBe(true);
    expect(windowCovers(once, { ...noLabels, resource: { ...db, kind: 'host' } })).toBe(false);
    expect(windowCovers(weekly, noLabels)).toBe(true);
    expect(windowCovers(weekly, { ...noLabels, site: 'edge-1' })).toBe(false);
  });

  it('matches labels of an alert with no resource in the estate', () => {
    const w: MaintenanceWindow = { ...once, selector: 'alertname=DiskFull' };
    expect(windowCovers(w, { site: null, labels: { alertname: 'DiskFull' }, resource: null })).toBe(true);
    expect(windowCovers(w, { site: null, labels: { alertname: 'Other' }, resource: null })).toBe(false);
  });

  it('asks the estate for selectors that look at other resources', () => {
    const w: MaintenanceWindow = { ...once, selector: 'runs_on(kind=host,role=db)' };
    expect(windowCovers(w, noLabels, () => true)).toBe(true);
    expect(windowCovers(w, noLabels, () => false)).toBe(false);
    expect(windowCovers(w, { ...noLabels, resource: null }, () => true)).toBe(false);
  });

  it('answers the first window in effect that covers the alert, at the injected time', () => {
    expect(coveringWindow([weekly, once], noLabels, at('2026-12-01T15:00:00Z'))?.id).toBe('w-once');
    expect(coveringWindow([weekly, once], noLabels, at('2026-12-04T18:30:00Z'))?.id).toBe('w-weekly');
    expect(coveringWindow([weekly, once], noLabels, at('2026-12-03T00:00:00Z'))).toBeNull();
  });
});

describe('a window as written', () => {
  it('needs a start and an end, or a cron and a duration, in a known time zone', () => {
    const issues = (o: unknown) =>
      maintenanceSpec.safeParse(o).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(issues({ reason: 'x', starts_at: '2026-12-01T00:00:00Z' })).toEqual([
      'ends_at: a one-off window needs starts_at and ends_at (or give cron and duration to recur)',
    ]);
    expect(
      issues({ reason: 'x', starts_at: '2026-12-02T00:00:00Z', ends_at: '2026-12-01T00:00:00Z' })![0],
    ).toBe('ends_at: must be after starts_at');
    expect(issues({ reason: 'x', cron: '0 2 * * sat' })).toEqual([
      'duration: a recurring window needs a duration',
    ]);
    expect(
      issues({ reason: 'x', cron: '0 2 * * sat', duration: '1h', time_zone: 'Mars/Olympus' })![0],
    ).toMatch(/^time_zone/);
    expect(issues({ reason: 'x', cron: 'not a cron', duration: '1h' })![0]).toMatch(/^cron/);
    expect(
      issues({
        reason: 'x',
        selector: 'kind in (',
        starts_at: '2026-12-01T00:00:00Z',
        ends_at: '2026-12-02T00:00:00Z',
      })![0],
    ).toMatch(/^selector/);
  });
});
