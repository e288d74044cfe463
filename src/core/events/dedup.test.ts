import { describe, expect, it } from 'vitest';
import { decideDedup, type AlertState, type DedupEvent } from './dedup.ts';

const T0 = Date.parse('2026-11-25T10:00:00Z');
const MIN = 60_000;

function event(o: Partial<DedupEvent> = {}): DedupEvent {
  return {
    id: 'e1',
    source: 'am',
    fingerprint: 'fp',
    status: 'firing',
    severity: 'warning',
    summary: 'disk full',
    labels: { alertname: 'DiskFull' },
    resource: 'host/web-1',
    site: 'idc-sh',
    groupKey: null,
    startsAt: T0,
    endsAt: null,
    receivedAt: T0 + MIN,
    ...o,
  };
}

/** The alert after feeding `events` in order, with the kind of each step. */
function feed(events: DedupEvent[]): { kinds: string[]; alert: AlertState | undefined } {
  let alert: AlertState | undefined;
  const kinds: string[] = [];
  for (const e of events) {
    const d = decideDedup(alert, e);
    kinds.push(d.kind);
    alert = d.next;
  }
  return { kinds, alert };
}

describe('deduplication by fingerprint', () => {
  it('counts a repeated firing as one alert, last seen at the repeat', () => {
    const { kinds, alert } = feed([
      event(),
      event({ id: 'e2', receivedAt: T0 + 2 * MIN }),
      event({ id: 'e3', receivedAt: T0 + 3 * MIN, severity: 'critical' }),
    ]);
    expect(kinds).toEqual(['new', 'repeat', 'repeat']);
    expect(alert).toMatchObject({
      status: 'firing',
      count: 3,
      firstSeenAt: T0 + MIN,
      lastSeenAt: T0 + 3 * MIN,
      startsAt: T0,
      severity: 'critical',
      lastEventId: 'e3',
    });
  });

  it('closes the alert on its resolution, and counts a second resolution as nothing new', () => {
    const { kinds, alert } = feed([
      event(),
      event({ id: 'e2', status: 'resolved', endsAt: T0 + 5 * MIN, receivedAt: T0 + 6 * MIN }),
      event({ id: 'e3', status: 'resolved', endsAt: T0 + 5 * MIN, receivedAt: T0 + 7 * MIN }),
    ]);
    expect(kinds).toEqual(['new', 'resolve', 'already_resolved']);
    expect(alert).toMatchObject({
      status: 'resolved',
      resolvedAt: T0 + 6 * MIN,
      endsAt: T0 + 5 * MIN,
      count: 3,
    });
  });

  it('fires again after a resolution when a new episode starts', () => {
    const { kinds, alert } = feed([
      event(),
      event({ id: 'e2', status: 'resolved', receivedAt: T0 + 6 * MIN }),
      event({ id: 'e3', startsAt: T0 + 10 * MIN, receivedAt: T0 + 11 * MIN }),
    ]);
    expect(kinds).toEqual(['new', 'resolve', 'refire']);
    expect(alert).toMatchObject({ status: 'firing', startsAt: T0 + 10 * MIN, resolvedAt: null, count: 3 });
  });

  it('ignores a late firing of the episode that already resolved (a retry out of order)', () => {
    const { kinds, alert } = feed([
      event(),
      event({ id: 'e2', status: 'resolved', receivedAt: T0 + 6 * MIN }),
      event({ id: 'e3', receivedAt: T0 + 7 * MIN }),
    ]);
    expect(kinds).toEqual(['new', 'resolve', 'stale']);
    expect(alert!.status).toBe('resolved');
  });

  it('ignores the resolution of an older episode while a newer one fires', () => {
    const { kinds, alert } = feed([
      event({ startsAt: T0 + 10 * MIN, receivedAt: T0 + 11 * MIN }),
      event({ id: 'e2', status: 'resolved', startsAt: T0, receivedAt: T0 + 12 * MIN }),
    ]);
    expect(kinds).toEqual(['new', 'stale']);
    expect(alert!.status).toBe('firing');
  });

  it('fires again when the sender gives no start time (PagerDuty): every trigger after a resolve is new', () => {
    const { kinds } = feed([
      event({ startsAt: null }),
      event({ id: 'e2', status: 'resolved', startsAt: null, receivedAt: T0 + 2 * MIN }),
      event({ id: 'e3', startsAt: null, receivedAt: T0 + 3 * MIN }),
    ]);
    expect(kinds).toEqual(['new', 'resolve', 'refire']);
  });

  it('keeps a resolution that arrives first, so the late firing of that episode changes nothing', () => {
    const { kinds, alert } = feed([
      event({ status: 'resolved', receivedAt: T0 + 2 * MIN }),
      event({ id: 'e2', receivedAt: T0 + 3 * MIN }),
    ]);
    expect(kinds).toEqual(['already_resolved', 'stale']);
    expect(alert!.status).toBe('resolved');
  });

  it('passes an acknowledgement of a firing alert, and ignores one of nothing firing', () => {
    expect(feed([event(), event({ id: 'e2', status: 'acknowledged', startsAt: null })]).kinds).toEqual([
      'new',
      'acknowledge',
    ]);
    expect(feed([event({ status: 'acknowledged' })]).kinds).toEqual(['stale']);
  });
});
