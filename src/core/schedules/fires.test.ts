import { describe, expect, it } from 'vitest';
import { dueFires, nextFires } from './fires.ts';

const t = (iso: string) => Date.parse(iso);
const isos = (ms: number[]) => ms.map((m) => new Date(m).toISOString());

describe('next fire times', () => {
  it('follow the time zone: 03:00 in Shanghai is 19:00 UTC the day before', () => {
    const fires = nextFires({ cron: '0 3 * * *', timezone: 'Asia/Shanghai' }, t('2025-06-01T00:00:00Z'), 2);
    expect(isos(fires)).toEqual(['2025-06-01T19:00:00.000Z', '2025-06-02T19:00:00.000Z']);
  });

  it('are strictly after the reference time', () => {
    const fires = nextFires({ cron: '0 * * * *', timezone: 'UTC' }, t('2025-01-01T03:00:00Z'), 1);
    expect(isos(fires)).toEqual(['2025-01-01T04:00:00.000Z']);
  });

  it('run a fixed-time job in a spring-forward gap at the first valid time after it', () => {
    // Berlin skips 02:00–03:00 on 2025-03-30: 02:30 does not exist that day.
    const fires = nextFires({ cron: '30 2 * * *', timezone: 'Europe/Berlin' }, t('2025-03-28T12:00:00Z'), 3);
    expect(isos(fires)).toEqual([
      '2025-03-29T01:30:00.000Z', // 02:30 CET
      '2025-03-30T01:00:00.000Z', // 03:00 CEST, the first time after the gap
      '2025-03-31T00:30:00.000Z', // 02:30 CEST
    ]);
  });

  it('run a fixed-time job once when an autumn hour repeats', () => {
    // Berlin repeats 02:00–03:00 on 2025-10-26: 02:30 happens twice, the job runs on the first.
    const fires = nextFires({ cron: '30 2 * * *', timezone: 'Europe/Berlin' }, t('2025-10-24T12:00:00Z'), 3);
    expect(isos(fires)).toEqual([
      '2025-10-25T00:30:00.000Z',
      '2025-10-26T00:30:00.000Z',
      '2025-10-27T01:30:00.000Z',
    ]);
  });

  it('skip the times of a gap for an interval job, and run both occurrences of a repeated hour', () => {
    const spring = nextFires(
      { cron: '*/30 * * * *', timezone: 'Europe/Berlin' },
      t('2025-03-30T00:15:00Z'),
      3,
    );
    // 01:30 CET, then 03:00 CEST: 02:00 and 02:30 never happen.
    expect(isos(spring)).toEqual([
      '2025-03-30T00:30:00.000Z',
      '2025-03-30T01:00:00.000Z',
      '2025-03-30T01:30:00.000Z',
    ]);
    const autumn = nextFires(
      { cron: '*/30 * * * *', timezone: 'Europe/Berlin' },
      t('2025-10-26T00:45:00Z'),
      3,
    );
    // 02:00 CEST, 02:30 CEST, then 02:00 CET again.
    expect(isos(autumn)).toEqual([
      '2025-10-26T01:00:00.000Z',
      '2025-10-26T01:30:00.000Z',
      '2025-10-26T02:00:00.000Z',
    ]);
  });

  it('take six fields as seconds first', () => {
    const fires = nextFires({ cron: '*/2 * * * * *', timezone: 'UTC' }, t('2025-01-01T00:00:00.500Z'), 2);
    expect(isos(fires)).toEqual(['2025-01-01T00:00:02.000Z', '2025-01-01T00:00:04.000Z']);
  });
});

describe('due fire times', () => {
  const hourly = { cron: '0 * * * *', timezone: 'UTC' };

  it('are none before the next fire time', () => {
    const due = dueFires({ ...hourly, missed: 'skip' }, t('2025-01-01T03:00:00Z'), t('2025-01-01T03:59:59Z'));
    expect(due).toMatchObject({ fire: null, skipped: null, missed: 0, firesFrom: t('2025-01-01T03:00:00Z') });
    expect(due.next).toBe(t('2025-01-01T04:00:00Z'));
  });

  it('run the fire time found on time, and move on past it', () => {
    const due = dueFires(
      { ...hourly, missed: 'skip' },
      t('2025-01-01T03:00:00Z'),
      t('2025-01-01T04:00:00.300Z'),
    );
    expect(due).toEqual({
      fire: t('2025-01-01T04:00:00Z'),
      skipped: null,
      missed: 0,
      firesFrom: t('2025-01-01T04:00:00Z'),
      next: t('2025-01-01T05:00:00Z'),
    });
  });

  it('still count as on time within the grace period (a restart)', () => {
    const due = dueFires({ ...hourly, missed: 'skip' }, t('2025-01-01T03:00:00Z'), t('2025-01-01T04:00:59Z'));
    expect(due.fire).toBe(t('2025-01-01T04:00:00Z'));
  });

  it('with `skip`, after downtime: run none of the missed times and record the latest as skipped', () => {
    // Down from 03:30 to 07:20: 04:00, 05:00, 06:00 and 07:00 passed unseen.
    const due = dueFires({ ...hourly, missed: 'skip' }, t('2025-01-01T03:00:00Z'), t('2025-01-01T07:20:00Z'));
    expect(due).toEqual({
      fire: null,
      skipped: t('2025-01-01T07:00:00Z'),
      missed: 4,
      firesFrom: t('2025-01-01T07:00:00Z'),
      next: t('2025-01-01T08:00:00Z'),
    });
  });

  it('with `catch_up_once`, after downtime: run once, for the latest missed time', () => {
    const due = dueFires(
      { ...hourly, missed: 'catch_up_once' },
      t('2025-01-01T03:00:00Z'),
      t('2025-01-01T07:20:00Z'),
    );
    expect(due).toEqual({
      fire: t('2025-01-01T07:00:00Z'),
      skipped: null,
      missed: 3,
      firesFrom: t('2025-01-01T07:00:00Z'),
      next: t('2025-01-01T08:00:00Z'),
    });
    // Handled: asking again at the same moment finds nothing due.
    const again = dueFires({ ...hourly, missed: 'catch_up_once' }, due.firesFrom, t('2025-01-01T07:20:00Z'));
    expect(again.fire).toBeNull();
  });

  it('count missed times in the schedule time zone across a DST change', () => {
    // Daily at 02:30 Berlin, down from 2025-03-29 12:00 UTC to 2025-03-31 06:00 UTC: the
    // 30th fired at 03:00 CEST (gap) and the 31st at 02:30 CEST — two missed.
    const due = dueFires(
      { cron: '30 2 * * *', timezone: 'Europe/Berlin', missed: 'catch_up_once' },
      t('2025-03-29T12:00:00Z'),
      t('2025-03-31T06:00:00Z'),
    );
    expect(due).toMatchObject({
      fire: t('2025-03-31T00:30:00Z'),
      missed: 1,
      next: t('2025-04-01T00:30:00Z'),
    });
  });
});
