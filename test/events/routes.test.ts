/**
 * The events and incidents API over real HTTP: senders authenticated by their source's own
 * credential (bearer, PagerDuty routing key, HMAC of the raw body), 2xx only once stored, 4xx with
 * the reason, 503 when the store fails (on both stores); incidents acknowledged, resolved,
 * reassigned and noted; maintenance windows; the CLI on top.
 */
import { execFile } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/server/server.ts';
import { startReceiver } from '../notify/receiver.ts';
import { BIN } from '../support/server-process.ts';
import { dropSchema, storeKinds, testPgUrl } from '../support/stores.ts';

const TOKEN = 'events-admin-token-0123456789abcdef';
const fixtureText = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');
const fixture = (name: string) => JSON.parse(fixtureText(name)) as Record<string, unknown>;

let server: RunningServer;
let dataDir: string;

interface Answer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers, read field by field
  body: any;
}

async function send(
  url: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` },
): Promise<Answer> {
  const raw = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { ...(raw === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(raw === undefined ? {} : { body: raw }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : {} };
}

const api = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
  send(server.url, method, path, body, headers);
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const sign = (secret: string, body: string) => createHmac('sha256', secret).update(body).digest('hex');

const ESTATE = {
  apiVersion: 'tandem/v1',
  kind: 'Estate',
  metadata: { source: 'events-test' },
  spec: {
    resources: [
      { kind: 'host', name: 'pg-sh-1', site: 'idc-sh' },
      { kind: 'database', name: 'pg-main', site: 'idc-sh', relations: { runs_on: ['host/pg-sh-1'] } },
      { kind: 'host', name: 'web-1', site: 'idc-sh' },
      { kind: 'host', name: 'web-2', site: 'idc-sh' },
      { kind: 'host', name: 'web-3', site: 'idc-sh' },
    ],
  },
};

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'tandem-events-'));
  process.env.TANDEM_ADMIN_TOKEN = TOKEN;
  server = await startServer({ port: 0, host: '127.0.0.1', dataDir, logLevel: 'silent', announce: () => {} });
  expect((await api('POST', '/api/v1/estate/apply', ESTATE)).status).toBe(200);
});

afterAll(async () => {
  await server.close();
  delete process.env.TANDEM_ADMIN_TOKEN;
  await rm(dataDir, { recursive: true, force: true });
});

describe('event sources', () => {
  it('answers a new source’s token once, lists sources without credentials, and audits both changes', async () => {
    const made = await api('POST', '/api/v1/events/sources', { name: 'prom-a', kind: 'alertmanager' });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({
      name: 'prom-a',
      kind: 'alertmanager',
      auth: 'bearer',
      path: '/api/v1/events/alertmanager/prom-a',
    });
    expect(made.body.token).toMatch(/^tes_/);
    const list = await api('GET', '/api/v1/events/sources');
    const listed = list.body.sources.find((s: { name: string }) => s.name === 'prom-a');
    expect(listed).toBeDefined();
    expect(JSON.stringify(list.body)).not.toContain(made.body.token);
    expect((await api('POST', '/api/v1/events/sources', { name: 'prom-a', kind: 'grafana' })).status).toBe(
      409,
    );
    expect((await api('DELETE', '/api/v1/events/sources/prom-a')).status).toBe(200);
    expect((await api('DELETE', '/api/v1/events/sources/prom-a')).status).toBe(404);
    const audit = await api('GET', '/api/v1/audit?limit=1000');
    const actions = audit.body.entries.filter((e: { target: string }) => e.target === 'event_source:prom-a');
    expect(actions.map((e: { action: string }) => e.action)).toEqual([
      'event_source.created',
      'event_source.deleted',
    ]);
    expect(JSON.stringify(actions)).not.toContain(made.body.token);
  });

  it('refuses a webhook source without a mapping, and a mapping that does not compile, with the field', async () => {
    const none = await api('POST', '/api/v1/events/sources', { name: 'hook-x', kind: 'webhook' });
    expect(none.status).toBe(400);
    expect(none.body.error.details[0].path).toBe('body.mapping');
    const bad = await api('POST', '/api/v1/events/sources', {
      name: 'hook-x',
      kind: 'webhook',
      mapping: { fingerprint: 'alert.id +', summary: 'alert.text' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('body.mapping.fingerprint');
  });
});

describe('Alertmanager ingest', () => {
  let token: string;
  beforeAll(async () => {
    token = (await api('POST', '/api/v1/events/sources', { name: 'prom', kind: 'alertmanager' })).body
      .token as string;
  });

  it('stores the alerts before answering 200, with their resources and incidents', async () => {
    const res = await api(
      'POST',
      '/api/v1/events/alertmanager/prom',
      fixture('alertmanager-firing.json'),
      bearer(token),
    );
    expect(res.status).toBe(200);
    expect(res.body.events).toHaveLength(2);
    expect(res.body.events[0]).toMatchObject({
      fingerprint: '1a30ba71cca2921f',
      outcome: 'opened',
      resource: 'database/pg-main',
      site: 'idc-sh',
    });
    // Stored when answered: the next read sees them.
    const stored = await api('GET', '/api/v1/events?source=prom');
    expect(stored.body.events.map((e: { id: string }) => e.id).sort()).toEqual(
      res.body.events.map((e: { id: string }) => e.id).sort(),
    );
    const incident = await api('GET', `/api/v1/incidents/${res.body.events[0].incident_id as string}`);
    expect(incident.body).toMatchObject({
      status: 'triggered',
      severity: 'critical',
      resource: 'database/pg-main',
    });
    expect(incident.body.alerts[0]).toMatchObject({ fingerprint: '1a30ba71cca2921f', status: 'firing' });

    const resolved = await api(
      'POST',
      '/api/v1/events/alertmanager/prom',
      fixture('alertmanager-resolved.json'),
      bearer(token),
    );
    expect(resolved.body.events[0].outcome).toBe('resolved');
  });

  it('answers 401 to a missing or wrong credential, and stores nothing', async () => {
    const before = (await api('GET', '/api/v1/events?source=prom&limit=1000')).body.events.length as number;
    const none = await api(
      'POST',
      '/api/v1/events/alertmanager/prom',
      fixture('alertmanager-firing.json'),
      {},
    );
    expect(none.status).toBe(401);
    expect(none.body.error.message).toContain('Bearer');
    const wrong = await api(
      'POST',
      '/api/v1/events/alertmanager/prom',
      fixture('alertmanager-firing.json'),
      bearer(`${token}x`),
    );
    expect(wrong.status).toBe(401);
    // A Tandem user's own token is not the source's.
    expect(
      (await api('POST', '/api/v1/events/alertmanager/prom', fixture('alertmanager-firing.json'))).status,
    ).toBe(401);
    expect((await api('GET', '/api/v1/events?source=prom&limit=1000')).body.events).toHaveLength(before);
  });

  it('answers 400 with the reason for a bad payload, 404 for a wrong source, 413 past 1 MiB', async () => {
    const notJson = await api('POST', '/api/v1/events/alertmanager/prom', '{"version": ', bearer(token));
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.message).toContain('not JSON');
    const v3 = await api(
      'POST',
      '/api/v1/events/alertmanager/prom',
      { ...fixture('alertmanager-firing.json'), version: '3' },
      bearer(token),
    );
    expect(v3.status).toBe(400);
    expect(v3.body.error.details).toEqual([
      { path: 'version', message: 'only version "4" of the webhook payload is understood' },
    ]);
    expect((await api('POST', '/api/v1/events/alertmanager/nobody', {}, bearer(token))).status).toBe(404);
    const wrongKind = await api(
      'POST',
      '/api/v1/events/grafana/prom',
      fixture('grafana.json'),
      bearer(token),
    );
    expect(wrongKind.status).toBe(404);
    expect(wrongKind.body.error.message).toContain('/api/v1/events/alertmanager/prom');
    const big = { ...fixture('alertmanager-firing.json'), padding: 'x'.repeat(1024 * 1024) };
    expect((await api('POST', '/api/v1/events/alertmanager/prom', big, bearer(token))).status).toBe(413);
  });

  it('takes POST /api/v1/events/alertmanager for the source named alertmanager', async () => {
    expect(
      (await api('POST', '/api/v1/events/alertmanager', fixture('alertmanager-resolved.json'), bearer(token)))
        .status,
    ).toBe(404);
    const t = (await api('POST', '/api/v1/events/sources', { name: 'alertmanager', kind: 'alertmanager' }))
      .body.token as string;
    const res = await api(
      'POST',
      '/api/v1/events/alertmanager',
      fixture('alertmanager-resolved.json'),
      bearer(t),
    );
    expect(res.status).toBe(200);
  });
});

describe('HMAC-signed senders', () => {
  const secret = 'grafana-signing-secret-0123456789';
  beforeAll(async () => {
    const made = await api('POST', '/api/v1/events/sources', {
      name: 'grafana',
      kind: 'grafana',
      auth: 'hmac',
      secret,
      signature_header: 'X-Grafana-Alerting-Signature',
      timestamp_header: 'X-Grafana-Alerting-Signature-Timestamp',
    });
    expect(made.status).toBe(201);
    expect(made.body).not.toHaveProperty('secret');
  });

  const headers = (signature: string, ts: number) => ({
    'x-grafana-alerting-signature': signature,
    'x-grafana-alerting-signature-timestamp': String(ts),
  });

  it('takes a body signed with the secret over the timestamp and the raw bytes', async () => {
    const body = fixtureText('grafana.json');
    const ts = Math.floor(Date.now() / 1000);
    const res = await api(
      'POST',
      '/api/v1/events/grafana/grafana',
      body,
      headers(sign(secret, `${ts}:${body}`), ts),
    );
    expect(res.status).toBe(200);
    expect(res.body.events.map((e: { status: string }) => e.status)).toEqual(['firing', 'resolved']);
    expect(res.body.events[0].resource).toBe('host/web-1');
  });

  it('refuses a wrong signature, a changed body, and an old timestamp (a replay)', async () => {
    const body = fixtureText('grafana.json');
    const ts = Math.floor(Date.now() / 1000);
    const good = sign(secret, `${ts}:${body}`);
    const changed = body.replace('web-1', 'web-2');
    expect((await api('POST', '/api/v1/events/grafana/grafana', changed, headers(good, ts))).status).toBe(
      401,
    );
    expect(
      (await api('POST', '/api/v1/events/grafana/grafana', body, headers(sign('other', `${ts}:${body}`), ts)))
        .status,
    ).toBe(401);
    const old = ts - 600;
    const replay = await api(
      'POST',
      '/api/v1/events/grafana/grafana',
      body,
      headers(sign(secret, `${old}:${body}`), old),
    );
    expect(replay.status).toBe(401);
    expect(replay.body.error.message).toContain('replay');
    expect((await api('POST', '/api/v1/events/grafana/grafana', body, {})).status).toBe(401);
  });

  it('takes a generated secret and the default header with a sha256= prefix (generic webhook)', async () => {
    const made = await api('POST', '/api/v1/events/sources', {
      name: 'checks',
      kind: 'webhook',
      auth: 'hmac',
      mapping: {
        alerts: 'body.checks',
        fingerprint: 'alert.id',
        status: "alert.state == 'down' ? 'firing' : 'resolved'",
        summary: 'alert.text',
        labels: "{'host': alert.host}",
      },
    });
    const generated = made.body.secret as string;
    expect(generated.length).toBeGreaterThan(20);
    const body = fixtureText('webhook-checks.json');
    const res = await api('POST', '/api/v1/events/webhook/checks', body, {
      'x-tandem-signature': `sha256=${sign(generated, body)}`,
    });
    expect(res.status).toBe(200);
    expect(
      res.body.events.map((e: { fingerprint: string; resource: string }) => [e.fingerprint, e.resource]),
    ).toEqual([
      ['chk-17', 'host/web-1'],
      ['chk-18', 'host/web-2'],
    ]);
    const unreadable = JSON.stringify({ checks: [{ id: 'c', state: 'down' }] });
    const bad = await api('POST', '/api/v1/events/webhook/checks', unreadable, {
      'x-tandem-signature': sign(generated, unreadable),
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('alerts.0.summary');
  });
});

describe('PagerDuty Events API v2', () => {
  let routingKey: string;
  beforeAll(async () => {
    const made = await api('POST', '/api/v1/events/sources', { name: 'pd', kind: 'pagerduty' });
    routingKey = made.body.token as string;
    expect(routingKey).toMatch(/^[0-9a-f]{32}$/);
  });

  it('answers 202 with the dedup_key, the routing key naming the source', async () => {
    const trigger = { ...fixture('pagerduty-trigger.json'), routing_key: routingKey };
    const res = await api('POST', '/api/v1/events/pagerduty', trigger, {});
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ status: 'success', message: 'Event processed', dedup_key: 'disk-full-web-2' });
    const noKey: Record<string, unknown> = { ...trigger };
    delete noKey.dedup_key;
    const generated = await api('POST', '/api/v1/events/pagerduty/pd', noKey, {});
    expect(generated.status).toBe(202);
    expect(generated.body.dedup_key).toMatch(/^[0-9a-f-]{36}$/);
    // Both alerts are about web-2: one incident. The second resolves here; the first below.
    const resolve = {
      routing_key: routingKey,
      event_action: 'resolve',
      dedup_key: generated.body.dedup_key as string,
    };
    expect((await api('POST', '/api/v1/events/pagerduty/pd', resolve, bearer(routingKey))).status).toBe(202);
  });

  it('acknowledges and resolves by dedup_key, and refuses an unknown routing key', async () => {
    const ack = { routing_key: routingKey, event_action: 'acknowledge', dedup_key: 'disk-full-web-2' };
    expect((await api('POST', '/api/v1/events/pagerduty', ack, {})).status).toBe(202);
    const events = (await api('GET', '/api/v1/events?fingerprint=disk-full-web-2')).body.events;
    const incident = (await api('GET', `/api/v1/incidents/${events.at(-1).incident_id as string}`)).body;
    expect(incident).toMatchObject({
      status: 'acknowledged',
      acknowledged_by: 'source:pd',
      resource: 'host/web-2',
    });
    const resolve = { ...fixture('pagerduty-resolve.json'), routing_key: routingKey };
    expect((await api('POST', '/api/v1/events/pagerduty', resolve, {})).status).toBe(202);
    expect((await api('GET', `/api/v1/incidents/${incident.id as string}`)).body.status).toBe('resolved');
    const stranger = await api(
      'POST',
      '/api/v1/events/pagerduty',
      { ...resolve, routing_key: 'f'.repeat(32) },
      {},
    );
    expect(stranger.status).toBe(401);
    const noKey = await api('POST', '/api/v1/events/pagerduty', { event_action: 'resolve' }, {});
    expect(noKey.status).toBe(400);
  });
});

describe('incidents and maintenance over the API and the CLI', () => {
  let token: string;
  const post = (alerts: unknown[]) =>
    api(
      'POST',
      '/api/v1/events/alertmanager/ops',
      { ...fixture('alertmanager-firing.json'), groupKey: `g-${randomBytes(4).toString('hex')}`, alerts },
      bearer(token),
    );
  const webAlert = (fingerprint: string, status = 'firing') => ({
    status,
    labels: { alertname: 'NginxDown', instance: 'web-3:9113', severity: 'error' },
    annotations: { summary: 'nginx down on web-3' },
    startsAt: '2026-11-25T10:00:00Z',
    endsAt: status === 'firing' ? '0001-01-01T00:00:00Z' : '2026-11-25T10:05:00Z',
    fingerprint,
  });
  const cli = (...args: string[]) =>
    promisify(execFile)(process.execPath, [BIN, ...args], {
      env: { ...process.env, TANDEM_SERVER: server.url, TANDEM_TOKEN: TOKEN },
    });

  beforeAll(async () => {
    token = (
      await api('POST', '/api/v1/events/sources', { name: 'ops', kind: 'alertmanager', auto_resolve: false })
    ).body.token as string;
    await api('POST', '/api/v1/teams', { name: 'web-team' });
  });

  it('acknowledges, notes, reassigns and resolves an incident, each on the timeline and in the audit log', async () => {
    const id = (await post([webAlert('nginx-1')])).body.events[0].incident_id as string;
    const ack = await api('POST', `/api/v1/incidents/${id}/ack`, { note: 'on it' });
    expect(ack.body).toMatchObject({ status: 'acknowledged', acknowledged_by: expect.any(String) });
    expect((await api('POST', `/api/v1/incidents/${id}/ack`, {})).status).toBe(409);
    expect((await api('POST', `/api/v1/incidents/${id}/notes`, { text: 'nginx OOM-killed' })).status).toBe(
      201,
    );
    expect((await api('POST', `/api/v1/incidents/${id}/notes`, { text: '  ' })).status).toBe(400);
    expect((await api('POST', `/api/v1/incidents/${id}/reassign`, { team: 'web-team' })).body.team).toBe(
      'web-team',
    );
    expect((await api('POST', `/api/v1/incidents/${id}/reassign`, { team: 'no-such-team' })).status).toBe(
      404,
    );
    // Its source does not auto-resolve: the alert resolving leaves it to people.
    await post([webAlert('nginx-1', 'resolved')]);
    expect((await api('GET', `/api/v1/incidents/${id}`)).body.status).toBe('acknowledged');
    expect((await api('POST', `/api/v1/incidents/${id}/resolve`, { reason: 'restarted' })).body.status).toBe(
      'resolved',
    );
    expect((await api('POST', `/api/v1/incidents/nope/resolve`, {})).status).toBe(404);

    const shown = (await api('GET', `/api/v1/incidents/${id}`)).body;
    expect(shown.timeline.map((t: { type: string }) => t.type)).toEqual([
      'incident.triggered',
      'incident.acknowledged',
      'note',
      'incident.reassigned',
      'alert.resolved',
      'incident.resolved',
    ]);
    const audit = (await api('GET', `/api/v1/audit?target=incident:${id}`)).body.entries;
    expect(audit.map((e: { action: string }) => e.action)).toEqual([
      'incident.acknowledged',
      'incident.noted',
      'incident.reassigned',
      'incident.resolved',
    ]);
  });

  it('notifies the channels subscribed when an incident triggers, is acknowledged and resolves', async () => {
    const receiver = await startReceiver();
    try {
      const channel = await api('POST', '/api/v1/notifications/channels', {
        name: 'incidents-hook',
        kind: 'webhook',
        events: ['incident.triggered', 'incident.acknowledged', 'incident.resolved'],
        config: { url: `${receiver.origin}/hook` },
      });
      expect(channel.status).toBe(201);
      const id = (await post([webAlert('nginx-notify')])).body.events[0].incident_id as string;
      await api('POST', `/api/v1/incidents/${id}/ack`, {});
      await api('POST', `/api/v1/incidents/${id}/resolve`, {});
      const got = await receiver.waitFor(3);
      const bodies = got.map((r) => JSON.parse(r.body) as { topic: string; title: string; link: string });
      expect(bodies.map((b) => b.topic).sort()).toEqual([
        'incident.acknowledged',
        'incident.resolved',
        'incident.triggered',
      ]);
      expect(bodies.every((b) => b.link.endsWith(`/incidents/${id}`))).toBe(true);
      expect(bodies.find((b) => b.topic === 'incident.triggered')!.title).toBe(
        'Incident: nginx down on web-3',
      );
      const timeline = (await api('GET', `/api/v1/incidents/${id}`)).body.timeline as {
        type: string;
        data: { topic?: string };
      }[];
      expect(timeline.filter((t) => t.type === 'notification').map((t) => t.data.topic)).toEqual([
        'incident.triggered',
        'incident.acknowledged',
        'incident.resolved',
      ]);
    } finally {
      await api('DELETE', '/api/v1/notifications/channels/incidents-hook');
      await receiver.close();
    }
  });

  it('shows past incidents on the same resource', async () => {
    const first = (await post([webAlert('nginx-2')])).body.events[0].incident_id as string;
    await api('POST', `/api/v1/incidents/${first}/resolve`, {});
    const second = (await post([webAlert('nginx-3')])).body.events[0].incident_id as string;
    const shown = (await api('GET', `/api/v1/incidents/${second}`)).body;
    expect(shown.resources).toEqual(['host/web-3']);
    expect(shown.related.incidents.map((i: { id: string }) => i.id)).toContain(first);
    await api('POST', `/api/v1/incidents/${second}/resolve`, {});
  });

  it('suppresses alerts during a maintenance window added and removed over the API', async () => {
    const now = Date.now();
    const made = await api('POST', '/api/v1/maintenance-windows', {
      reason: 'web-3 kernel upgrade',
      selector: 'kind=host,name=web-3',
      starts_at: new Date(now - 60_000).toISOString(),
      ends_at: new Date(now + 3600_000).toISOString(),
    });
    expect(made.status).toBe(201);
    expect(made.body.active).toBe(true);
    const bad = await api('POST', '/api/v1/maintenance-windows', { reason: 'x', cron: '0 2 * * *' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('body.duration');

    const res = await post([webAlert('nginx-4')]);
    expect(res.body.events[0]).toMatchObject({
      outcome: 'suppressed',
      suppressed_by: made.body.id,
      incident_id: null,
    });
    expect(
      (await api('GET', '/api/v1/maintenance-windows')).body.windows.map((w: { id: string }) => w.id),
    ).toContain(made.body.id);
    expect((await api('DELETE', `/api/v1/maintenance-windows/${made.body.id as string}`)).status).toBe(200);
    const after = await post([webAlert('nginx-5')]);
    expect(after.body.events[0]).toMatchObject({ outcome: 'opened', suppressed_by: null });
  });

  it('lists, shows, acknowledges, notes and resolves through the tandem CLI', async () => {
    const id = (await post([webAlert('nginx-cli')])).body.events[0].incident_id as string;
    const list = await cli('incident', 'list');
    expect(list.stdout).toContain(id);
    expect(list.stdout).toContain('nginx down on web-3');
    await cli('incident', 'ack', id, '--note', 'looking');
    await cli('incident', 'note', id, 'restarting', 'nginx');
    const shown = await cli('incident', 'show', id);
    expect(shown.stdout).toContain('status:    acknowledged');
    expect(shown.stdout).toContain('restarting nginx');
    expect((await cli('incident', 'resolve', id, '--reason', 'done')).stdout).toContain(
      `incident ${id} resolved`,
    );
    const json = JSON.parse((await cli('--json', 'incident', 'show', id)).stdout) as { status: string };
    expect(json.status).toBe('resolved');
    expect((await cli('events', 'list', '--source', 'ops', '--limit', '3')).stdout).toContain(
      'nginx down on web-3',
    );
    const src = await cli('events', 'source', 'add', 'from-cli', '--kind', 'pagerduty');
    expect(src.stdout).toMatch(/token \(shown once; keep it\): [0-9a-f]{32}/);
    expect((await cli('events', 'source', 'list')).stdout).toContain('from-cli');
    const window = await cli(
      'maintenance',
      'add',
      '--reason',
      'patching',
      '--site',
      'idc-sh',
      '--cron',
      '0 3 * * sun',
      '--duration',
      '2h',
      '--time-zone',
      'Asia/Shanghai',
    );
    const windowId = /maintenance window (\S+) added/.exec(window.stdout)![1]!;
    expect((await cli('maintenance', 'list')).stdout).toContain('0 3 * * sun for 120m (Asia/Shanghai)');
    await cli('maintenance', 'rm', windowId);
    expect((await cli('maintenance', 'list')).stdout).not.toContain(windowId);
  });
});

describe.each(storeKinds)('when the store fails (%s)', (kind) => {
  let failing: RunningServer;
  let dir: string;
  const schema = `t_${randomBytes(6).toString('hex')}`;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tandem-events-fail-'));
    failing = await startServer({
      port: 0,
      host: '127.0.0.1',
      dataDir: dir,
      logLevel: 'silent',
      announce: () => {},
      ...(kind === 'postgres' ? { databaseUrl: testPgUrl, pgSchema: schema } : {}),
    });
  });

  afterAll(async () => {
    await failing.close();
    await rm(dir, { recursive: true, force: true });
    if (kind === 'postgres') await dropSchema(testPgUrl, schema);
  });

  it('answers 503 (Alertmanager retries those), stores nothing, and takes the retry once it is back', async () => {
    const made = await send(failing.url, 'POST', '/api/v1/events/sources', {
      name: 'am',
      kind: 'alertmanager',
    });
    const token = made.body.token as string;
    const db = failing.store.db;
    // The disk fills up: every insert into events fails.
    if (kind === 'sqlite')
      await sql`create trigger events_disk_full before insert on events begin select raise(abort, 'disk full'); end`.execute(
        db,
      );
    else {
      await sql`create function events_disk_full() returns trigger language plpgsql as $$ begin raise exception 'disk full' using errcode = '53100'; end $$`.execute(
        db,
      );
      await sql`create trigger events_disk_full before insert on events for each row execute function events_disk_full()`.execute(
        db,
      );
    }
    const payload = fixture('alertmanager-firing.json');
    const failed = await send(failing.url, 'POST', '/api/v1/events/alertmanager/am', payload, bearer(token));
    expect(failed.status).toBe(503);
    expect(failed.body.error.code).toBe('unavailable');
    // All or nothing: no alert, no incident, nothing queued for the rules.
    expect(await db.selectFrom('alerts').select('fingerprint').execute()).toEqual([]);
    expect(await db.selectFrom('incidents').select('id').execute()).toEqual([]);
    expect(await db.selectFrom('rule_queue').select('id').execute()).toEqual([]);

    await sql`drop trigger events_disk_full ${kind === 'postgres' ? sql`on events` : sql``}`.execute(db);
    const retried = await send(failing.url, 'POST', '/api/v1/events/alertmanager/am', payload, bearer(token));
    expect(retried.status).toBe(200);
    expect(await db.selectFrom('events').select('id').execute()).toHaveLength(2);
  });
});
