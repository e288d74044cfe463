import { describe, expect, it } from 'vitest';
import { decideGrouping, type GroupingFacts } from './grouping.ts';

const facts = (o: Partial<GroupingFacts> = {}): GroupingFacts => ({
  dedup: 'new',
  hasResource: true,
  currentIncident: null,
  siteIncident: null,
  groupIncident: null,
  topology: [],
  maintenance: null,
  ...o,
});

describe('grouping alerts into incidents', () => {
  it('opens an incident for a new alert with nothing open around it', () => {
    expect(decideGrouping(facts())).toEqual({ action: 'open', grouping: 'resource' });
    expect(decideGrouping(facts({ hasResource: false }))).toEqual({
      action: 'open',
      grouping: 'fingerprint',
    });
  });

  it('keeps an alert already in an open incident there, whatever else is open', () => {
    for (const dedup of ['repeat', 'refire', 'resolve', 'acknowledge'] as const)
      expect(decideGrouping(facts({ dedup, currentIncident: 'i1', siteIncident: 's1' }))).toEqual({
        action: 'update',
        incidentId: 'i1',
      });
  });

  it('groups nothing for a resolution or a stale event of an alert in no open incident', () => {
    for (const dedup of ['resolve', 'already_resolved', 'stale', 'acknowledge'] as const)
      expect(decideGrouping(facts({ dedup, siteIncident: 's1' }))).toEqual({
        action: 'update',
        incidentId: null,
      });
  });

  it('joins the site incident first, then the group, then the topology', () => {
    const topology = [{ incidentId: 't1', resource: 'database/pg', distance: 1 }];
    expect(decideGrouping(facts({ siteIncident: 's1', groupIncident: 'g1', topology }))).toMatchObject({
      action: 'join',
      incidentId: 's1',
      reason: 'site',
    });
    expect(decideGrouping(facts({ groupIncident: 'g1', topology }))).toMatchObject({
      incidentId: 'g1',
      reason: 'group',
    });
    expect(decideGrouping(facts({ topology }))).toMatchObject({ incidentId: 't1', reason: 'topology' });
  });

  it('joins the nearest failing dependency, whatever the order the store gave', () => {
    const topology = [
      { incidentId: 'net', resource: 'network/core', distance: 3 },
      { incidentId: 'db', resource: 'database/pg', distance: 1 },
      { incidentId: 'host', resource: 'host/db-1', distance: 2 },
    ];
    expect(decideGrouping(facts({ topology }))).toMatchObject({
      incidentId: 'db',
      via: { resource: 'database/pg' },
    });
    expect(decideGrouping(facts({ topology: [...topology].reverse() }))).toMatchObject({ incidentId: 'db' });
  });

  it('regroups an alert that repeats out of any open incident (its incident was resolved by hand)', () => {
    expect(decideGrouping(facts({ dedup: 'repeat' }))).toEqual({ action: 'open', grouping: 'resource' });
  });

  it('suppresses instead of opening or joining during maintenance, saying what it would have joined', () => {
    expect(decideGrouping(facts({ maintenance: 'w1' }))).toEqual({
      action: 'suppress',
      windowId: 'w1',
      wouldJoin: null,
    });
    expect(decideGrouping(facts({ maintenance: 'w1', groupIncident: 'g1' }))).toEqual({
      action: 'suppress',
      windowId: 'w1',
      wouldJoin: 'g1',
    });
    // An alert already in an open incident is not taken out of it by a window that began later.
    expect(decideGrouping(facts({ dedup: 'repeat', maintenance: 'w1', currentIncident: 'i1' }))).toEqual({
      action: 'update',
      incidentId: 'i1',
    });
  });
});
