/**
 * Reading each sender's format from realistic payloads: Alertmanager (version 4), Grafana
 * Alerting (version 1), PagerDuty Events API v2 and a generic webhook with a CEL mapping.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  applyWebhookMapping,
  parseAlertmanager,
  parseGrafana,
  parsePagerduty,
  webhookMappingSchema,
} from '../../src/core/events/index.ts';
import { isTandemError, type TandemError } from '../../src/core/errors.ts';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8')) as unknown;

function refusal(fn: () => unknown): TandemError {
  try {
    fn();
  } catch (err: unknown) {
    if (isTandemError(err)) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('Alertmanager webhook payload version 4', () => {
  it('reads every alert with its labels, annotations, times, fingerprint and group', () => {
    const [pg, shop] = parseAlertmanager(fixture('alertmanager-firing.json'));
    expect(pg).toEqual({
      fingerprint: '1a30ba71cca2921f',
      status: 'firing',
      severity: 'critical',
      summary: 'PostgreSQL pg-main in idc-sh is down',
      description: 'pg_up has been 0 for more than 1 minute on pg-sh-1:9187.',
      labels: {
        alertname: 'PostgresDown',
        instance: 'pg-sh-1:9187',
        job: 'postgres',
        kind: 'database',
        resource: 'pg-main',
        severity: 'critical',
        site: 'idc-sh',
      },
      annotations: {
        description: 'pg_up has been 0 for more than 1 minute on pg-sh-1:9187.',
        summary: 'PostgreSQL pg-main in idc-sh is down',
      },
      details: { receiver: 'tandem', external_url: 'http://alertmanager:9093' },
      groupKey: '{}:{site="idc-sh"}',
      startsAt: Date.parse('2026-11-25T01:52:26.739Z'),
      endsAt: null,
      generatorUrl: 'http://prometheus:9090/graph?g0.expr=pg_up+%3D%3D+0&g0.tab=1',
    });
    expect(shop!.severity).toBe('warning');
    expect(shop!.labels).not.toHaveProperty('someFutureField');
  });

  it('takes 0001-01-01T00:00:00Z as no end, and a real endsAt as the end', () => {
    const [resolved] = parseAlertmanager(fixture('alertmanager-resolved.json'));
    expect(resolved!.status).toBe('resolved');
    expect(resolved!.endsAt).toBe(Date.parse('2026-11-25T02:10:41.005Z'));
  });

  it('makes a fingerprint from the labels when the sender gives none, the same for the same labels', () => {
    const body = fixture('alertmanager-firing.json') as { alerts: Record<string, unknown>[] };
    for (const a of body.alerts) delete a.fingerprint;
    const first = parseAlertmanager(body);
    const again = parseAlertmanager(body);
    expect(first[0]!.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(first[0]!.fingerprint).toBe(again[0]!.fingerprint);
    expect(first[0]!.fingerprint).not.toBe(first[1]!.fingerprint);
  });

  it('refuses another version, a bad time or a missing status with the field path', () => {
    const body = fixture('alertmanager-firing.json') as Record<string, unknown> & {
      alerts: Record<string, unknown>[];
    };
    expect(refusal(() => parseAlertmanager({ ...body, version: '3' })).details[0]!.path).toBe('version');
    const badTime = structuredClone(body);
    badTime.alerts[1]!.startsAt = 'yesterday';
    const err = refusal(() => parseAlertmanager(badTime));
    expect(err.code).toBe('invalid_input');
    expect(err.details).toEqual([
      { path: 'alerts.1.startsAt', message: expect.stringContaining('RFC 3339') },
    ]);
    const noStatus = structuredClone(body);
    delete noStatus.alerts[0]!.status;
    expect(refusal(() => parseAlertmanager(noStatus)).message).toContain('alerts.0.status');
    expect(refusal(() => parseAlertmanager([])).message).toContain('not a valid alertmanager payload');
  });
});

describe('Grafana Alerting webhook version 1', () => {
  it('reads firing and resolved alerts, their values and links, and maps severities', () => {
    const [memory, disk] = parseGrafana(fixture('grafana.json'));
    expect(memory).toMatchObject({
      fingerprint: 'c6eadffa33fcdf37',
      status: 'firing',
      severity: 'error',
      summary: 'Memory above 90% on web-1',
      labels: { host: 'web-1' },
      endsAt: null,
      details: {
        org_id: 1,
        state: 'alerting',
        values: { B: 93.2, C: 1 },
        dashboard_url: 'https://grafana.example.com/d/host',
      },
    });
    expect(disk).toMatchObject({
      status: 'resolved',
      severity: 'warning',
      endsAt: Date.parse('2026-11-25T09:40:00Z'),
    });
    expect(disk!.details).not.toHaveProperty('values');
  });

  it('refuses legacy dashboard alerts, saying why', () => {
    const legacy = { ruleName: 'CPU', state: 'alerting', evalMatches: [], orgId: 1 };
    const err = refusal(() => parseGrafana(legacy));
    expect(err.details.map((d) => d.path)).toContain('version');
    expect(err.message).toContain('legacy');
  });
});

describe('PagerDuty Events API v2', () => {
  it('reads a trigger: dedup_key as fingerprint, payload as summary, severity and labels', () => {
    const { input, routingKey } = parsePagerduty(fixture('pagerduty-trigger.json'), () => 'unused');
    expect(routingKey).toBe('0123456789abcdef0123456789abcdef');
    expect(input).toMatchObject({
      fingerprint: 'disk-full-web-2',
      status: 'firing',
      severity: 'error',
      summary: 'Disk /var above 95% on web-2',
      labels: {
        source: 'web-2',
        component: 'nginx',
        group: 'prod-web',
        class: 'disk',
        site: 'idc-sh',
        'free space': '1%',
      },
      startsAt: Date.parse('2026-11-25T10:00:00Z'),
      generatorUrl: 'https://monitoring.example.com',
    });
    expect(input.details).toMatchObject({
      custom_details: { mounts: ['/', '/var'] },
      client: 'Sample Monitoring Service',
    });
  });

  it('reads resolve and acknowledge by dedup_key alone', () => {
    expect(parsePagerduty(fixture('pagerduty-resolve.json'), () => 'x').input).toMatchObject({
      fingerprint: 'disk-full-web-2',
      status: 'resolved',
    });
    const ack = { routing_key: 'k', event_action: 'acknowledge', dedup_key: 'disk-full-web-2' };
    expect(parsePagerduty(ack, () => 'x').input.status).toBe('acknowledged');
  });

  it('gives a trigger without dedup_key a new one', () => {
    const body = fixture('pagerduty-trigger.json') as Record<string, unknown>;
    delete body.dedup_key;
    expect(parsePagerduty(body, () => 'generated-1').input.fingerprint).toBe('generated-1');
  });

  it('refuses a trigger without payload, a resolve without dedup_key, an unknown action or severity', () => {
    expect(
      refusal(() => parsePagerduty({ routing_key: 'k', event_action: 'trigger' }, () => 'x')).details,
    ).toEqual([{ path: 'payload', message: 'a trigger needs a payload' }]);
    expect(
      refusal(() => parsePagerduty({ routing_key: 'k', event_action: 'resolve' }, () => 'x')).details[0]!
        .path,
    ).toBe('dedup_key');
    expect(
      refusal(() => parsePagerduty({ routing_key: 'k', event_action: 'snooze' }, () => 'x')).details[0]!.path,
    ).toBe('event_action');
    const body = fixture('pagerduty-trigger.json') as { payload: Record<string, unknown> };
    body.payload.severity = 'fatal';
    expect(refusal(() => parsePagerduty(body, () => 'x')).details[0]!.path).toBe('payload.severity');
  });
});

describe('a generic webhook with a CEL mapping', () => {
  const mapping = webhookMappingSchema.parse({
    alerts: 'body.checks',
    fingerprint: 'alert.id',
    status: "alert.state == 'down' ? 'firing' : 'resolved'",
    severity: 'alert.prio',
    summary: 'alert.text',
    labels: "{'host': alert.host, 'check': alert.id}",
    starts_at: 'has(alert.since) ? alert.since : body.sent_at',
  });

  it('maps each item of the list to an event', () => {
    const [down, ok] = applyWebhookMapping(mapping, fixture('webhook-checks.json'));
    expect(down).toMatchObject({
      fingerprint: 'chk-17',
      status: 'firing',
      severity: 'critical',
      summary: 'HTTP check failed: connection refused',
      labels: { host: 'web-1', check: 'chk-17' },
      startsAt: Date.parse('2026-11-25T10:00:00Z'),
    });
    expect(ok).toMatchObject({
      fingerprint: 'chk-18',
      status: 'resolved',
      severity: 'warning',
      startsAt: 1764064800_000,
    });
  });

  it('treats the body as the one alert when the mapping gives no list', () => {
    const one = webhookMappingSchema.parse({ fingerprint: 'alert.id', summary: "'check ' + alert.id" });
    expect(applyWebhookMapping(one, { id: 'x1' })).toMatchObject([
      { fingerprint: 'x1', status: 'firing', summary: 'check x1' },
    ]);
  });

  it('refuses a payload the mapping cannot read, naming the alert and field', () => {
    const err = refusal(() =>
      applyWebhookMapping(mapping, { checks: [{ id: 'a', state: 'down', host: 'h' }] }),
    );
    expect(err.code).toBe('invalid_input');
    expect(err.details[0]!.path).toBe('alerts.0.summary');
    const badStatus = refusal(() =>
      applyWebhookMapping(webhookMappingSchema.parse({ ...mapping, status: 'alert.state' }), {
        checks: [{ id: 'a', state: 'weird', text: 't', host: 'h', prio: 'p1' }],
      }),
    );
    expect(badStatus.details[0]).toEqual({
      path: 'alerts.0.status',
      message: expect.stringContaining('"weird"'),
    });
  });

  it('refuses a mapping whose expression does not compile, when the source is made', () => {
    const parsed = webhookMappingSchema.safeParse({ fingerprint: 'alert.id +', summary: 'x' });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues[0]!.path).toEqual(['fingerprint']);
  });
});
