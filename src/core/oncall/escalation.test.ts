import { describe, expect, it } from 'vitest';
import { escalationPolicySpec, routingRuleSpec } from './model.ts';
import { decideEscalation, plannedEscalation, startEscalation, type EscalationStep } from './escalation.ts';
import { routeBy, routingContext, type RoutingRule } from './routing.ts';
import type { IncidentSummary } from '../events/index.ts';

const M = 60_000;
const policy = escalationPolicySpec.parse({
  name: 'web',
  levels: [
    { targets: [{ schedule: 'web-primary' }], timeout: '5m' },
    { targets: [{ team: 'sre' }, { user: 'boss' }], timeout: '15m' },
  ],
  repeat: 1,
});

describe('escalation timing', () => {
  it('waits for a level’s timeout, then moves to the next level, repeats, and runs out', () => {
    // An injected clock: the loop asks at these instants.
    let now = 1_000_000;
    let step: EscalationStep = startEscalation(policy, now);
    expect(step).toEqual({ level: 0, round: 0, dueAt: now + 5 * M });
    expect(decideEscalation(policy, step, 'triggered', now + 5 * M - 1)).toEqual({
      type: 'wait',
      until: now + 5 * M,
    });

    const seen: [number, number, number][] = [];
    for (;;) {
      now = step.dueAt;
      const d = decideEscalation(policy, step, 'triggered', now);
      if (d.type !== 'escalate') {
        expect(d.type).toBe('exhausted');
        break;
      }
      step = d.step;
      seen.push([step.level, step.round, (step.dueAt - now) / M]);
    }
    expect(seen).toEqual([
      [1, 0, 15],
      [0, 1, 5],
      [1, 1, 15],
    ]);
  });

  it('notifies level 1 at once for an escalation just started (level 0: none notified yet)', () => {
    const pending: EscalationStep = { level: -1, round: 0, dueAt: 1000 };
    expect(decideEscalation(policy, pending, 'triggered', 1000)).toEqual({
      type: 'escalate',
      step: { level: 0, round: 0, dueAt: 1000 + 5 * M },
    });
  });

  it('stops as soon as the incident is acknowledged or resolved, even when overdue', () => {
    const step = startEscalation(policy, 0);
    expect(decideEscalation(policy, step, 'acknowledged', 10 * M)).toEqual({
      type: 'stop',
      reason: 'acknowledged',
    });
    expect(decideEscalation(policy, step, 'resolved', 1)).toEqual({ type: 'stop', reason: 'resolved' });
  });

  it('times the next level from when the escalation actually happens (a late loop does not skip levels)', () => {
    const step = startEscalation(policy, 0);
    const late = 60 * M;
    const d = decideEscalation(policy, step, 'triggered', late);
    expect(d).toEqual({ type: 'escalate', step: { level: 1, round: 0, dueAt: late + 15 * M } });
  });

  it('plans every notification of an unacknowledged incident', () => {
    expect(plannedEscalation(policy, 0)).toEqual([
      { at: 0, level: 0, round: 0 },
      { at: 5 * M, level: 1, round: 0 },
      { at: 20 * M, level: 0, round: 1 },
      { at: 25 * M, level: 1, round: 1 },
    ]);
    const once = escalationPolicySpec.parse({
      name: 'once',
      levels: [{ targets: [{ user: 'a' }], timeout: '1m' }],
    });
    expect(plannedEscalation(once, 0)).toEqual([{ at: 0, level: 0, round: 0 }]);
  });
});

describe('routing', () => {
  const incident: IncidentSummary & { labels: Record<string, string> } = {
    id: 'i1',
    status: 'triggered',
    severity: 'critical',
    title: 'pg-main down',
    site: 'idc-sh',
    resource: { kind: 'database', name: 'pg-main' },
    team: null,
    grouping: 'resource',
    openedAt: 0,
    resolvedAt: null,
    labels: { service: 'billing' },
  };
  const rule = (r: unknown, position: number): RoutingRule => ({ ...routingRuleSpec.parse(r), position });

  it('takes the first rule in position order that matches, by labels or by CEL', () => {
    const rules = [
      rule({ name: 'catch-all', team: 'noc', escalation_policy: 'default' }, 100),
      rule(
        {
          name: 'db',
          when: 'incident.resource.kind == "database" && incident.severity == "critical"',
          team: 'dba',
        },
        10,
      ),
      rule({ name: 'billing', labels: { service: 'billing' }, team: 'payments' }, 20),
    ];
    expect(routeBy(rules, routingContext(incident)).rule?.name).toBe('db');
    const warning = { ...incident, severity: 'warning' as const };
    expect(routeBy(rules, routingContext(warning)).rule?.name).toBe('billing');
    const other = { ...warning, labels: { service: 'web' } };
    expect(routeBy(rules, routingContext(other)).rule?.name).toBe('catch-all');
  });

  it('sees the event’s labels over the incident’s, and skips a rule whose condition fails, saying why', () => {
    const rules = [
      rule({ name: 'broken', when: 'event.labels.team == "x"', team: 'x' }, 1),
      rule({ name: 'not-bool', when: 'incident.title', team: 'y' }, 2),
      rule({ name: 'ok', labels: { team: 'db' }, team: 'dba' }, 3),
    ];
    const answer = routeBy(rules, routingContext(incident));
    expect(answer.rule).toBeNull();
    expect(answer.errors.map((e) => e.rule)).toEqual(['broken', 'not-bool']);
    const event = {
      id: 'e',
      source: 'am',
      sourceKind: 'alertmanager' as const,
      fingerprint: 'f',
      status: 'firing' as const,
      severity: 'critical' as const,
      summary: 's',
      description: null,
      labels: { team: 'db' },
      annotations: {},
      resource: null,
      site: null,
      groupKey: null,
      startsAt: 0,
      endsAt: null,
      receivedAt: 0,
      generatorUrl: null,
    };
    expect(routeBy(rules, routingContext(incident, event)).rule?.name).toBe('ok');
  });

  it('refuses a rule that sets neither a team nor a policy', () => {
    expect(routingRuleSpec.safeParse({ name: 'empty', labels: { a: 'b' } }).success).toBe(false);
  });
});
