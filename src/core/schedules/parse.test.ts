import { describe, expect, it } from 'vitest';
import { isTandemError, type ErrorDetail } from '../errors.ts';
import { parseSchedule } from './parse.ts';

function problems(text: string): ErrorDetail[] {
  try {
    parseSchedule(text);
  } catch (err: unknown) {
    if (isTandemError(err, 'invalid_input')) return err.details;
    throw err;
  }
  throw new Error('expected the schedule to be refused');
}

const schedule = (spec: string) => `apiVersion: tandem/v1
kind: Schedule
metadata:
  name: nightly-backup
spec:
${spec}`;

describe('schedule documents', () => {
  it('parse with UTC, enabled and `skip` by default', () => {
    const s = parseSchedule(
      schedule('  cron: "0 3 * * *"\n  runbook: backup\n  inputs: { day: "${{ schedule.fire_time }}" }\n'),
    );
    expect(s.spec).toEqual({
      cron: '0 3 * * *',
      timezone: 'UTC',
      runbook: 'backup',
      inputs: { day: '${{ schedule.fire_time }}' },
      missed: 'skip',
      enabled: true,
    });
  });

  it('refuse a bad cron, pointing at it', () => {
    const [p] = problems(schedule('  cron: "61 * * * *"\n  runbook: backup\n'));
    expect(p).toMatchObject({ path: 'spec.cron', line: 6 });
    expect(p?.message).toContain('minute');
  });

  it('refuse an unknown time zone and an unknown missed policy', () => {
    const found = problems(
      schedule('  cron: "0 3 * * *"\n  timezone: Mars/Olympus\n  runbook: backup\n  missed: catch_up_all\n'),
    );
    expect(found.map((p) => p.path)).toEqual(['spec.missed']);
    const [tz] = problems(schedule('  cron: "0 3 * * *"\n  timezone: Mars/Olympus\n  runbook: backup\n'));
    expect(tz).toMatchObject({ path: 'spec.timezone', line: 7 });
  });

  it('refuse inputs reading anything but `schedule`', () => {
    const [p] = problems(
      schedule('  cron: "0 3 * * *"\n  runbook: backup\n  inputs: { x: "${{ event.id }}" }\n'),
    );
    expect(p).toMatchObject({ path: 'spec.inputs.x' });
    expect(p?.message).toContain('unknown variable "event"');
  });
});
