/**
 * A real Alertmanager posting to a real Tandem server: an alert pushed to Alertmanager's API
 * reaches Tandem through the webhook receiver (bearer credentials in `http_config`), opens an
 * incident on the right estate resource, and when the alert ends (endsAt in the past) Alertmanager
 * sends the resolution and the incident resolves by itself.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { until } from '../estate/prometheus.ts';
import { client, freePort, startServerProcess, type ServerProcess } from '../support/server-process.ts';
import { startAlertmanager, type Alertmanager } from './alertmanager.ts';

let dir: string;
let tandem: ServerProcess;
let am: Alertmanager | undefined;
let api: ReturnType<typeof client>;

interface Incident {
  id: string;
  status: string;
  resource: string | null;
  site: string | null;
  severity: string;
  resolved_by: string | null;
  title: string;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tandem-am-e2e-'));
  tandem = await startServerProcess({ port: await freePort(), dataDir: dir });
  api = client(tandem.url);
  const estate = {
    apiVersion: 'tandem/v1',
    kind: 'Estate',
    metadata: { source: 'am-e2e' },
    spec: {
      resources: [
        { kind: 'host', name: 'web-7', site: 'idc-sh', labels: { role: 'web' } },
        { kind: 'service', name: 'shop', site: 'idc-sh', relations: { runs_on: ['host/web-7'] } },
      ],
    },
  };
  expect((await api('POST', '/api/v1/estate/apply', estate)).status).toBe(200);
  const source = await api('POST', '/api/v1/events/sources', { name: 'prom-e2e', kind: 'alertmanager' });
  expect(source.status).toBe(201);
  am = await startAlertmanager({
    url: `${tandem.url}/api/v1/events/alertmanager/prom-e2e`,
    token: (source.body as { token: string }).token,
  });
}, 60_000);

afterAll(async () => {
  await am?.stop();
  await tandem.kill('SIGTERM');
  await rm(dir, { recursive: true, force: true });
});

const wait = <T>(what: string, fn: () => Promise<T | undefined>) =>
  until(what, fn, 30_000).catch((err: unknown) => {
    throw new Error(
      `${String(err)}\n--- alertmanager\n${am?.output().slice(-3000) ?? ''}\n--- tandem\n${tandem.output().slice(-3000)}`,
    );
  });

it('opens an incident on the right resource from Alertmanager, and resolves it when the alert ends', async () => {
  const labels = { alertname: 'NginxDown', instance: 'web-7:9113', job: 'nginx', severity: 'critical' };
  const startsAt = new Date(Date.now() - 10_000).toISOString();
  await am!.push([
    {
      labels,
      annotations: { summary: 'nginx is down on web-7' },
      startsAt,
      generatorURL: 'http://prometheus.example:9090/graph?g0.expr=nginx_up+%3D%3D+0',
    },
  ]);

  const incident = await wait('the incident to open', async () => {
    const { body } = await api('GET', '/api/v1/incidents?status=open');
    return (body as { incidents: Incident[] }).incidents.find((i) => i.title === 'nginx is down on web-7');
  });
  expect(incident).toMatchObject({
    status: 'triggered',
    resource: 'host/web-7',
    site: 'idc-sh',
    severity: 'critical',
  });

  const events = (await api('GET', '/api/v1/events?source=prom-e2e')).body as {
    events: {
      status: string;
      outcome: string;
      labels: Record<string, string>;
      group_key: string;
      generator_url: string;
    }[];
  };
  expect(events.events[0]).toMatchObject({ status: 'firing', outcome: 'opened', labels });
  expect(events.events[0]!.group_key).toContain('alertname="NginxDown"');

  // The alert ends: Prometheus would send it again with endsAt in the past.
  await am!.push([
    {
      labels,
      annotations: { summary: 'nginx is down on web-7' },
      startsAt,
      endsAt: new Date(Date.now() - 1000).toISOString(),
    },
  ]);
  const resolved = await wait('the incident to resolve by itself', async () => {
    const { body } = await api('GET', `/api/v1/incidents/${incident.id}`);
    return (body as Incident).status === 'resolved'
      ? (body as Incident & { timeline: { type: string }[] })
      : undefined;
  });
  expect(resolved.resolved_by).toBe('system');
  expect(resolved.timeline.map((t) => t.type)).toEqual([
    'incident.triggered',
    'alert.resolved',
    'incident.resolved',
  ]);
}, 90_000);
