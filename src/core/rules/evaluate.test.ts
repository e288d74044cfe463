import { describe, expect, it } from 'vitest';
import type { Resource } from '../estate/index.ts';
import type { IncidentSummary, NormalizedEvent } from '../events/index.ts';
import { parseRunbook } from '../runbook/index.ts';
import { groupKeyOf, resourceKeyOf, ruleContext } from './context.ts';
import { approvalMessage, approvalRequired, ruleInputs, ruleMatches } from './evaluate.ts';
import { gateRunbookName, gateRunbookSource } from './gate.ts';
import { parseRule } from './parse.ts';

const event = (extra: Partial<NormalizedEvent> = {}): NormalizedEvent => ({
  id: 'e1',
  source: 'am',
  sourceKind: 'alertmanager',
  fingerprint: 'fp1',
  status: 'firing',
  severity: 'critical',
  summary: 'web-1 is down',
  description: null,
  labels: { alertname: 'WebDown', instance: 'web-1:8080', job: 'web' },
  annotations: {},
  resource: { kind: 'service', name: 'web' },
  site: 'idc-sh',
  groupKey: null,
  startsAt: Date.UTC(2025, 0, 1),
  endsAt: null,
  receivedAt: Date.UTC(2025, 0, 1),
  generatorUrl: null,
  ...extra,
});

const resource = (labels: Record<string, string>): Resource => ({
  id: 'r1',
  kind: 'service',
  name: 'web',
  site: 'idc-sh',
  labels,
  properties: { port: 8080 },
  relations: [],
  source: 'estate',
  facts: null,
  createdAt: 0,
  updatedAt: 0,
});

const incident: IncidentSummary = {
  id: 'i1',
  status: 'triggered',
  severity: 'critical',
  title: 'web down',
  site: 'idc-sh',
  resource: { kind: 'service', name: 'web' },
  team: null,
  grouping: 'resource',
  openedAt: 0,
  resolvedAt: null,
};

const rule = (spec: string) =>
  parseRule(`apiVersion: tandem/v1
kind: Rule
metadata: { name: restart-web }
spec:
  runbook: restart
${spec}`);

describe('rule evaluation', () => {
  it('matches on event fields and labels, and on the incident', () => {
    const r = rule(
      '  match: event.labels.alertname == "WebDown" && incident != null && incident.severity == "critical"',
    );
    expect(ruleMatches(r, ruleContext({ event: event(), incident, resource: null }))).toBe(true);
    expect(ruleMatches(r, ruleContext({ event: event(), incident: null, resource: null }))).toBe(false);
    expect(
      ruleMatches(
        r,
        ruleContext({ event: event({ labels: { alertname: 'DbDown' } }), incident, resource: null }),
      ),
    ).toBe(false);
  });

  it('does not match when the expression fails on this event (a missing label)', () => {
    const r = rule('  match: event.labels.team == "db"');
    expect(ruleMatches(r, ruleContext({ event: event(), incident: null, resource: null }))).toBe(false);
  });

  it('computes inputs from the event, keeping the types of whole expressions', () => {
    const r = rule(`  match: "true"
  inputs:
    host: \${{ event.labels.instance.split(":")[0] }}
    port: \${{ int(event.labels.instance.split(":")[1]) }}
    note: "alert \${{ event.labels.alertname }} on \${{ resource.name }}"
    fixed: [1, 2]`);
    const ctx = ruleContext({ event: event(), incident: null, resource: resource({}) });
    expect(ruleInputs(r, ctx)).toEqual({
      host: 'web-1',
      port: 8080,
      note: 'alert WebDown on web',
      fixed: [1, 2],
    });
  });

  it('requires approval by default for a resource labelled env=prod, else for an event labelled so', () => {
    const r = rule('  match: "true"');
    const at = (res: Resource | null, labels: Record<string, string> = {}) =>
      approvalRequired(r, ruleContext({ event: event({ labels }), incident: null, resource: res })).required;
    expect(at(resource({ env: 'prod' }))).toBe(true);
    expect(at(resource({ env: 'staging' }))).toBe(false);
    expect(at(resource({}))).toBe(false);
    // The estate resource decides when there is one; without one, the alert's labels do.
    expect(at(resource({ env: 'staging' }), { env: 'prod' })).toBe(false);
    expect(at(null, { env: 'prod' })).toBe(true);
    expect(at(null)).toBe(false);
  });

  it('requires approval when the condition fails: the safe side', () => {
    const r = rule('  match: "true"\n  require_approval_when: resource.labels.tier == "1"');
    const v = approvalRequired(r, ruleContext({ event: event(), incident: null, resource: null }));
    expect(v.required).toBe(true);
    expect(v.because).toContain('approval required');
  });

  it('groups by incident, else by the alert episode; cool-downs count per resource', () => {
    expect(groupKeyOf({ event: event(), incident })).toBe('incident:i1');
    expect(groupKeyOf({ event: event(), incident: null })).toBe(`alert:fp1@${Date.UTC(2025, 0, 1)}`);
    expect(resourceKeyOf({ event: event(), incident: null, resource: null })).toBe('service/web');
    expect(resourceKeyOf({ event: event({ resource: null }), incident: null, resource: null })).toBe(
      'fingerprint:fp1',
    );
  });

  it('builds an approval gate that is a valid runbook: approval, then the runbook as a child run', () => {
    const target = parseRunbook(`apiVersion: tandem/v1
kind: Runbook
metadata: { name: restart, labels: { team: web } }
spec:
  inputs:
    host: { type: string, required: true }
    port: { type: number, default: 80 }
  steps:
    - id: go
      log: restarting \${{ inputs.host }}
`);
    const r = rule('  match: "true"\n  approval: { approvers: { role: approver }, timeout: 30m }');
    const gate = parseRunbook(
      gateRunbookSource({
        rule: 'restart-web',
        approval: r.spec.approval,
        target,
        inputKeys: ['port', 'host'],
      }),
    );
    expect(gate.metadata.name).toBe(gateRunbookName('restart-web'));
    expect(gate.metadata.labels).toEqual({ team: 'web', 'tandem.rule': 'restart-web' });
    expect(gate.spec.inputs).toMatchObject({
      host: { type: 'string', required: true },
      port: { type: 'number', required: true },
      tandem_approval_message: { type: 'string' },
    });
    expect(gate.spec.steps.map((s) => s.id)).toEqual(['approve', 'run']);
    expect(gate.spec.steps[0]?.approval).toMatchObject({
      approvers: { role: 'approver' },
      timeout: '30m',
      on_timeout: 'reject',
    });
    expect(gate.spec.steps[1]?.workflow).toEqual({
      runbook: 'restart',
      inputs: { host: '${{ inputs.host }}', port: '${{ inputs.port }}' },
    });
  });

  it('words the approval task from the event unless the rule writes its own', () => {
    const ctx = ruleContext({ event: event(), incident: null, resource: resource({}) });
    expect(approvalMessage(rule('  match: "true"'), ctx, 'restart')).toBe(
      'Rule restart-web wants to run restart on service/web for: web-1 is down. Approve?',
    );
    const own = rule('  match: "true"\n  approval: { message: "Restart ${{ event.labels.instance }}?" }');
    expect(approvalMessage(own, ctx, 'restart')).toBe('Restart web-1:8080?');
  });
});
