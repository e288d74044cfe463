import { describe, expect, it } from 'vitest';
import { buildMessage } from './message.ts';
import { isTopic } from './topics.ts';

const incident = {
  id: 'inc-1',
  title: 'PostgreSQL pg-sh-1 in idc-shanghai is down',
  status: 'triggered',
  severity: 'critical',
  site: 'idc-shanghai',
  resource: { kind: 'database', name: 'pg-sh-1' },
  team: 'dba',
  openedAt: Date.UTC(2026, 10, 25, 22, 0),
};

describe('incident messages', () => {
  it('knows the incident topics', () => {
    for (const t of [
      'incident.triggered',
      'incident.acknowledged',
      'incident.resolved',
      'incident.escalated',
    ])
      expect(isTopic(t)).toBe(true);
  });

  it('says what broke, where, and links to the incident', () => {
    const m = buildMessage(
      'incident.triggered',
      { path: '/incidents/inc-1', incident },
      'https://tandem.example/',
    );
    expect(m.title).toBe('Incident: PostgreSQL pg-sh-1 in idc-shanghai is down');
    expect(m.tone).toBe('danger');
    expect(m.link.url).toBe('https://tandem.example/incidents/inc-1');
    expect(m.fields).toEqual(
      expect.arrayContaining([
        { label: 'Site', value: 'idc-shanghai' },
        { label: 'Resource', value: 'database/pg-sh-1' },
        { label: 'Opened', value: '2026-11-25 22:00 UTC' },
      ]),
    );
  });

  it('names the escalation level and the people on call', () => {
    const m = buildMessage(
      'incident.escalated',
      {
        path: '/incidents/inc-1',
        incident,
        escalation: {
          policy: 'dba-pager',
          level: 2,
          round: 1,
          targets: [{ target: 'schedule dba', users: ['li', 'wang'] }],
        },
      },
      'http://127.0.0.1:7300',
    );
    expect(m.title).toBe('Escalated: PostgreSQL pg-sh-1 in idc-shanghai is down');
    expect(m.fields).toContainEqual({ label: 'Escalation', value: 'dba-pager, level 2' });
    expect(m.fields).toContainEqual({ label: 'On call', value: 'li, wang' });
  });
});
