import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scheduleSpec, type Override, type Schedule } from './model.ts';
import { shiftAt, whoIsOnCall } from './rotation.ts';
import { onCallTimeline } from './timeline.ts';
import { offsetAt } from './time-zone.ts';

const t = (iso: string) => Date.parse(iso);
const H = 3_600_000;

function schedule(s: unknown): Schedule {
  return scheduleSpec.parse(s);
}

const daily = (tz: string, start: string, handoff = '09:00') =>
  schedule({
    name: 'ops',
    time_zone: tz,
    layers: [{ name: 'primary', users: ['ann', 'bob', 'cat'], rotation: '1d', start, handoff }],
  });

describe('daily rotations in Europe/Berlin', () => {
  it('hands off at 09:00 local time on both sides of the spring change, so that shift lasts 23 hours', () => {
    const s = daily('Europe/Berlin', '2024-03-29');
    expect(whoIsOnCall(s, t('2024-03-29T08:00:00Z')).user).toBe('ann'); // 09:00 CET
    expect(whoIsOnCall(s, t('2024-03-30T07:59:59Z')).user).toBe('ann');
    expect(whoIsOnCall(s, t('2024-03-30T08:00:00Z')).user).toBe('bob');
    // 31 March: clocks jump 02:00 → 03:00; 09:00 CEST is 07:00 UTC.
    expect(whoIsOnCall(s, t('2024-03-31T06:59:59Z')).user).toBe('bob');
    expect(whoIsOnCall(s, t('2024-03-31T07:00:00Z')).user).toBe('cat');
    const bob = shiftAt(s, s.layers[0]!, t('2024-03-30T12:00:00Z'))!;
    expect((bob.end - bob.start) / H).toBe(23);
    expect(whoIsOnCall(s, t('2024-04-01T07:00:00Z')).user).toBe('ann');
  });

  it('makes the shift over the autumn change 25 hours long', () => {
    const s = daily('Europe/Berlin', '2024-10-26');
    const first = shiftAt(s, s.layers[0]!, t('2024-10-26T12:00:00Z'))!;
    expect(first.user).toBe('ann');
    expect(new Date(first.start).toISOString()).toBe('2024-10-26T07:00:00.000Z');
    expect(new Date(first.end).toISOString()).toBe('2024-10-27T08:00:00.000Z');
    expect((first.end - first.start) / H).toBe(25);
    expect(whoIsOnCall(s, t('2024-10-27T07:59:00Z')).user).toBe('ann');
    expect(whoIsOnCall(s, t('2024-10-27T08:00:00Z')).user).toBe('bob');
  });

  it('hands off once, at the first 02:30, when that hour is repeated, and after the gap when it is skipped', () => {
    const autumn = daily('Europe/Berlin', '2024-10-26', '02:30');
    // 02:30 CEST (00:30 UTC) hands over; the second 02:00–03:00 (CET) does not hand back.
    expect(whoIsOnCall(autumn, t('2024-10-27T00:29:00Z')).user).toBe('ann');
    expect(whoIsOnCall(autumn, t('2024-10-27T00:30:00Z')).user).toBe('bob');
    expect(whoIsOnCall(autumn, t('2024-10-27T01:10:00Z')).user).toBe('bob'); // 02:10 CET
    expect(whoIsOnCall(autumn, t('2024-10-27T01:45:00Z')).user).toBe('bob'); // 02:45 CET
    const spring = daily('Europe/Berlin', '2024-03-30', '02:30');
    // 02:30 does not exist on 31 March: the handoff is at 03:30 CEST (01:30 UTC).
    expect(whoIsOnCall(spring, t('2024-03-31T01:29:00Z')).user).toBe('ann');
    expect(whoIsOnCall(spring, t('2024-03-31T01:30:00Z')).user).toBe('bob');
  });

  it('keeps weekly handoffs on Monday 10:00 local across the change (a 167-hour week)', () => {
    const s = schedule({
      name: 'dba',
      time_zone: 'Europe/Berlin',
      layers: [
        { name: 'weekly', users: ['ann', 'bob'], rotation: '1w', start: '2024-03-25', handoff: '10:00' },
      ],
    });
    const week = shiftAt(s, s.layers[0]!, t('2024-03-28T12:00:00Z'))!;
    expect(week.user).toBe('ann');
    expect(new Date(week.start).toISOString()).toBe('2024-03-25T09:00:00.000Z');
    expect(new Date(week.end).toISOString()).toBe('2024-04-01T08:00:00.000Z');
    expect(whoIsOnCall(s, t('2024-04-01T08:00:00Z')).user).toBe('bob');
    expect(whoIsOnCall(s, t('2024-04-08T08:00:00Z')).user).toBe('ann');
  });

  it('counts hour rotations in elapsed time, so they drift against the wall clock over a change', () => {
    const s = schedule({
      name: 'noc',
      time_zone: 'Europe/Berlin',
      layers: [
        { name: 'halves', users: ['ann', 'bob'], rotation: '12h', start: '2024-03-30', handoff: '08:00' },
      ],
    });
    expect(whoIsOnCall(s, t('2024-03-30T07:00:00Z')).user).toBe('ann'); // 08:00 CET
    expect(whoIsOnCall(s, t('2024-03-30T19:00:00Z')).user).toBe('bob');
    // 12 h after 19:00 UTC is 07:00 UTC = 09:00 CEST: the wall-clock handoff moved by an hour.
    expect(whoIsOnCall(s, t('2024-03-31T06:59:00Z')).user).toBe('bob');
    expect(whoIsOnCall(s, t('2024-03-31T07:00:00Z')).user).toBe('ann');
  });

  it('has nobody on call before the layer starts', () => {
    const s = daily('Europe/Berlin', '2024-03-29');
    expect(whoIsOnCall(s, t('2024-03-29T07:59:59Z'))).toEqual({
      user: null,
      layer: null,
      override: null,
      shift: null,
    });
  });
});

describe('rotations in Asia/Shanghai', () => {
  it('hands off at 09:00 China time, 01:00 UTC, every day', () => {
    const s = daily('Asia/Shanghai', '2024-01-01');
    expect(whoIsOnCall(s, t('2024-01-01T01:00:00Z')).user).toBe('ann');
    expect(whoIsOnCall(s, t('2024-01-02T00:59:59Z')).user).toBe('ann');
    expect(whoIsOnCall(s, t('2024-01-02T01:00:00Z')).user).toBe('bob');
    // 2024 is a leap year; day 366 (31 Dec) is index 365: 365 mod 3 = 2.
    expect(whoIsOnCall(s, t('2024-12-31T05:00:00Z')).user).toBe('cat');
  });

  it('follows the daylight saving time China kept in 1988 (17 April – 11 September)', () => {
    expect(offsetAt(t('1988-04-16T17:59:00Z'), 'Asia/Shanghai') / H).toBe(8);
    expect(offsetAt(t('1988-04-16T18:00:00Z'), 'Asia/Shanghai') / H).toBe(9);
    const s = daily('Asia/Shanghai', '1988-04-15');
    const spring = shiftAt(s, s.layers[0]!, t('1988-04-16T12:00:00Z'))!;
    expect(spring.user).toBe('bob');
    expect((spring.end - spring.start) / H).toBe(23);
    expect(new Date(spring.end).toISOString()).toBe('1988-04-17T00:00:00.000Z'); // 09:00 CDT
    const autumn = shiftAt(s, s.layers[0]!, t('1988-09-10T12:00:00Z'))!;
    expect((autumn.end - autumn.start) / H).toBe(25);
    expect(new Date(autumn.end).toISOString()).toBe('1988-09-11T01:00:00.000Z'); // 09:00 CST
  });
});

describe('layers, restrictions and overrides', () => {
  const layered = schedule({
    name: 'web',
    time_zone: 'Europe/Berlin',
    layers: [
      { name: 'base', users: ['ann', 'bob'], rotation: '1w', start: '2024-03-04', handoff: '09:00' },
      {
        name: 'office',
        users: ['dev'],
        rotation: '1d',
        start: '2024-03-04',
        handoff: '00:00',
        restrictions: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' }],
      },
      {
        name: 'nights',
        users: ['owl'],
        rotation: '1w',
        start: '2024-03-04',
        time_zone: 'Asia/Shanghai',
        restrictions: [{ days: ['fri'], start: '22:00', end: '06:00' }],
      },
    ],
  });

  it('lets a higher layer answer within its restrictions and the lower one outside them', () => {
    // Tuesday 12 March, 10:00 CET.
    expect(whoIsOnCall(layered, t('2024-03-12T09:00:00Z'))).toMatchObject({ user: 'dev', layer: 'office' });
    // Tuesday 18:00 CET: outside office hours; week 2 of the base rotation is bob's.
    expect(whoIsOnCall(layered, t('2024-03-12T17:00:00Z'))).toMatchObject({ user: 'bob', layer: 'base' });
    // Saturday 10:00 CET: office is weekdays only.
    expect(whoIsOnCall(layered, t('2024-03-16T09:00:00Z'))).toMatchObject({ user: 'bob', layer: 'base' });
  });

  it('reads a window past midnight in the layer’s own zone, as belonging to the day it starts', () => {
    // Friday 15 March 23:00 in Shanghai = 15:00 UTC: owl (over office hours in Berlin, 16:00 CET).
    expect(whoIsOnCall(layered, t('2024-03-15T15:00:00Z')).user).toBe('owl');
    // Saturday 05:59 in Shanghai = Friday 21:59 UTC: still owl.
    expect(whoIsOnCall(layered, t('2024-03-15T21:59:00Z')).user).toBe('owl');
    // Saturday 06:00 Shanghai: the window is over.
    expect(whoIsOnCall(layered, t('2024-03-15T22:00:00Z')).user).toBe('bob');
    // Thursday 23:00 Shanghai: the window starts on Fridays only.
    expect(whoIsOnCall(layered, t('2024-03-14T15:00:00Z')).user).toBe('dev');
  });

  it('gives an override precedence over every layer, the latest of overlapping ones winning', () => {
    const overrides: Override[] = [
      {
        id: 'o1',
        user: 'eve',
        start: t('2024-03-12T00:00:00Z'),
        end: t('2024-03-13T00:00:00Z'),
        createdAt: 1,
      },
      {
        id: 'o2',
        user: 'fay',
        start: t('2024-03-12T10:00:00Z'),
        end: t('2024-03-12T11:00:00Z'),
        createdAt: 2,
      },
    ];
    expect(whoIsOnCall(layered, t('2024-03-12T09:00:00Z'), overrides)).toMatchObject({
      user: 'eve',
      override: 'o1',
    });
    expect(whoIsOnCall(layered, t('2024-03-12T10:30:00Z'), overrides)).toMatchObject({
      user: 'fay',
      override: 'o2',
    });
    expect(whoIsOnCall(layered, t('2024-03-12T11:00:00Z'), overrides).user).toBe('eve');
    expect(whoIsOnCall(layered, t('2024-03-13T00:00:00Z'), overrides)).toMatchObject({
      user: 'bob',
      override: null,
    });
  });

  it('builds a timeline that agrees with whoIsOnCall at every instant and covers the range without gaps', () => {
    const overrides: Override[] = [
      {
        id: 'o1',
        user: 'eve',
        start: t('2024-03-27T13:15:00Z'),
        end: t('2024-03-31T01:30:00Z'),
        createdAt: 1,
      },
    ];
    const from = t('2024-03-20T00:00:00Z');
    const to = t('2024-04-10T00:00:00Z');
    const segments = onCallTimeline(layered, from, to, overrides);
    expect(segments[0]!.start).toBe(from);
    expect(segments.at(-1)!.end).toBe(to);
    segments.forEach((s, i) => {
      if (i > 0) expect(s.start).toBe(segments[i - 1]!.end);
    });
    fc.assert(
      fc.property(fc.integer({ min: from, max: to - 1 }), (at) => {
        const seg = segments.find((s) => s.start <= at && at < s.end)!;
        const who = whoIsOnCall(layered, at, overrides);
        expect([seg.user, seg.layer, seg.override]).toEqual([who.user, who.layer, who.override]);
      }),
      { numRuns: 2000 },
    );
  });
});
