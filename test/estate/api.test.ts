/**
 * The estate API on a running server: applying files (and dry runs), listing by selector, a
 * resource with its relations both ways, history and diff, deleting, importing Ansible
 * inventories, and importing the targets of a real Prometheus.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/server/server.ts';
import { client } from '../support/server-process.ts';
import { startExporter, startPrometheus, until } from './prometheus.ts';

const TOKEN = 'estate-admin-token-0123456789abcdef';
let server: RunningServer;
let dir: string;
let api: ReturnType<typeof client>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tandem-estate-api-'));
  process.env.TANDEM_ADMIN_TOKEN = TOKEN;
  server = await startServer({
    port: 0,
    host: '127.0.0.1',
    dataDir: dir,
    logLevel: 'silent',
    announce: () => {},
  });
  api = client(server.url, TOKEN);
});

afterAll(async () => {
  await server.close();
  delete process.env.TANDEM_ADMIN_TOKEN;
  await rm(dir, { recursive: true, force: true });
});

const estateFile = (resources: string) => `apiVersion: tandem/v1
kind: Estate
metadata: { source: idc-sh-file }
spec:
  resources:
${resources}`;

const yaml = 'application/yaml';

describe('the estate API', () => {
  it('applies a file, lists by selector, shows relations both ways, and removes what the file drops', async () => {
    const file =
      estateFile(`    - { kind: host, name: db-1, site: idc-sh, labels: { role: db }, properties: { address: 10.0.2.10 } }
    - { kind: host, name: web-1, site: idc-sh, labels: { role: web, env: prod } }
    - kind: database
      name: pg-main
      site: idc-sh
      labels: { env: prod }
      relations: { runs_on: [host/db-1] }
    - kind: service
      name: api
      site: idc-sh
      relations: { depends_on: [database/pg-main, cache/redis], runs_on: [host/web-1] }
`);
    const dry = await api('POST', '/api/v1/estate/apply?dry_run=true', file, yaml);
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ source: 'idc-sh-file', dry_run: true, counts: { create: 4 } });
    expect((await api('GET', '/api/v1/estate/resources?source=idc-sh-file')).body.resources).toEqual([]);

    const applied = await api('POST', '/api/v1/estate/apply', file, yaml);
    expect(applied.body.counts).toEqual({ create: 4, update: 0, delete: 0, unchanged: 0, conflict: 0 });

    const picked = await api(
      'GET',
      `/api/v1/estate/resources?selector=${encodeURIComponent('kind=service,depends_on(kind=database,env=prod)')}`,
    );
    expect(picked.body.resources.map((r: { name: string }) => r.name)).toEqual(['api']);

    const pg = (await api('GET', '/api/v1/estate/resources/database/pg-main')).body;
    expect(pg).toMatchObject({
      kind: 'database',
      site: 'idc-sh',
      source: 'idc-sh-file',
      relations: [{ type: 'runs_on', kind: 'host', name: 'db-1', exists: true }],
      incoming: [{ type: 'depends_on', kind: 'service', name: 'api' }],
    });
    const svc = (await api('GET', '/api/v1/estate/resources/service/api')).body;
    expect(svc.relations).toContainEqual({ type: 'depends_on', kind: 'cache', name: 'redis', exists: false });

    // The same file without web-1 and with a changed label: web-1 goes, db-1 changes.
    const next = file
      .replace(/.*name: web-1.*\n/, '')
      .replace('labels: { role: db }', 'labels: { role: primary-db }');
    const again = await api('POST', '/api/v1/estate/apply', next, yaml);
    expect(again.body.items).toEqual([
      {
        kind: 'host',
        name: 'db-1',
        action: 'update',
        changes: [{ field: 'labels.role', before: 'db', after: 'primary-db' }],
      },
      expect.objectContaining({ kind: 'host', name: 'web-1', action: 'delete' }),
    ]);
    expect((await api('GET', '/api/v1/estate/resources/host/web-1')).status).toBe(404);

    const diff = (await api('GET', '/api/v1/estate/resources/host/db-1/diff?since=1h')).body;
    expect(diff).toMatchObject({ exists: true, created: true, changes_count: 2 });
    expect(diff.changes).toContainEqual({ field: 'labels.role', after: 'primary-db' });
    const history = (await api('GET', '/api/v1/estate/resources/host/db-1/history?since=24h')).body;
    expect(history.entries.map((e: { change: string }) => e.change)).toEqual(['created', 'updated']);

    // Applies are audited with their counts; a dry run is not.
    const audit = await server.store.db
      .selectFrom('audit_log')
      .select(['action', 'target', 'data'])
      .where('action', 'like', 'estate.%')
      .execute();
    expect(audit.map((a) => [a.action, a.target])).toEqual([
      ['estate.applied', 'estate:idc-sh-file'],
      ['estate.applied', 'estate:idc-sh-file'],
    ]);
  });

  it('answers a bad file with every problem at its line, and a bad selector at its column', async () => {
    const bad = await api(
      'POST',
      '/api/v1/estate/apply',
      estateFile('    - { kind: host, name: "a/b" }\n    - { kind: host, nme: c }\n'),
      yaml,
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toEqual([
      expect.objectContaining({ path: 'spec.resources[0].name', line: 6 }),
      expect.objectContaining({
        path: 'spec.resources[1].name',
        line: 7,
        message: 'missing required field "name"',
      }),
      expect.objectContaining({
        path: 'spec.resources[1].nme',
        line: 7,
        message: expect.stringMatching(/name/),
      }),
    ]);
    const json = await api('POST', '/api/v1/estate/apply', { apiVersion: 'tandem/v1', kind: 'Estate' });
    expect(json.status).toBe(400);
    expect(json.body.error.details[0]).toMatchObject({ path: 'metadata' });
    const sel = await api(
      'GET',
      `/api/v1/estate/resources?selector=${encodeURIComponent('role=web role=db')}`,
    );
    expect(sel.status).toBe(400);
    expect(sel.body.error.details).toEqual([expect.objectContaining({ path: 'selector', column: 10 })]);
  });

  it('deletes a resource and keeps its history', async () => {
    await api(
      'POST',
      '/api/v1/estate/apply',
      estateFile('    - { kind: network, name: dmz }\n').replace('idc-sh-file', 'nets'),
      yaml,
    );
    expect((await api('DELETE', '/api/v1/estate/resources/network/dmz')).body).toEqual({
      kind: 'network',
      name: 'dmz',
      deleted: true,
    });
    expect((await api('DELETE', '/api/v1/estate/resources/network/dmz')).status).toBe(404);
    const diff = (await api('GET', '/api/v1/estate/resources/network/dmz/diff')).body;
    expect(diff).toMatchObject({ exists: false, deleted: true, changes: [] });
  });

  it('imports Ansible inventories; importing the file again drops the hosts it lost', async () => {
    const ini = await readFile(join(import.meta.dirname, 'fixtures/inventory.ini'), 'utf8');
    const first = await api('POST', '/api/v1/estate/import/ansible', {
      inventory: ini,
      name: 'inventory.ini',
      site: 'idc-sh',
    });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      source: 'ansible:inventory.ini',
      format: 'ini',
      counts: { create: 10 },
      dropped_vars: ['ansible_password'],
    });
    const web = await api(
      'GET',
      `/api/v1/estate/resources?selector=${encodeURIComponent('kind=host,member_of=group/web')}`,
    );
    expect(web.body.resources.map((r: { name: string }) => r.name)).toEqual([
      'web01',
      'web02',
      'web03',
      'web04',
    ]);
    const second = await api('POST', '/api/v1/estate/import/ansible', {
      inventory: ini.replace('web[01:03]', 'web[01:02]'),
      name: 'inventory.ini',
      site: 'idc-sh',
    });
    expect(second.body.items).toEqual([
      expect.objectContaining({ kind: 'host', name: 'web03', action: 'delete' }),
    ]);
    // The YAML form is its own source.
    const y = await readFile(join(import.meta.dirname, 'fixtures/inventory.yaml'), 'utf8');
    const other = await api('POST', '/api/v1/estate/import/ansible', { inventory: y, name: 'prod.yaml' });
    expect(other.body).toMatchObject({
      source: 'ansible:prod.yaml',
      format: 'yaml',
      counts: { conflict: 9 },
    });
  });

  it('imports the targets of a real Prometheus', { timeout: 90_000 }, async () => {
    const exporter = await startExporter();
    const prometheus = await startPrometheus([
      { job: 'payments-api', targets: [exporter.address], labels: { env: 'prod', team: 'payments' } },
    ]);
    try {
      const promHost = new URL(prometheus.url).host;
      await until(
        'the target to be up',
        async () => {
          const res = (await (await fetch(`${prometheus.url}/api/v1/targets`)).json()) as {
            data: { activeTargets: { health: string }[] };
          };
          const targets = res.data.activeTargets;
          return targets.length === 1 && targets.every((t) => t.health === 'up') ? true : undefined;
        },
        60_000,
      );
      const imported = await api('POST', '/api/v1/estate/import/prometheus', {
        url: prometheus.url,
        site: 'idc-sh',
      });
      expect(imported.status, JSON.stringify(imported.body)).toBe(200);
      expect(imported.body).toMatchObject({ source: `prometheus:${promHost}`, counts: { create: 2 } });
      const host = (await api('GET', '/api/v1/estate/resources/host/127.0.0.1')).body;
      expect(host).toMatchObject({
        site: 'idc-sh',
        labels: { env: 'prod', team: 'payments' },
        properties: { address: '127.0.0.1' },
        incoming: [{ type: 'runs_on', kind: 'service', name: 'payments-api' }],
      });
      const service = (await api('GET', '/api/v1/estate/resources/service/payments-api')).body;
      expect(service).toMatchObject({
        labels: { env: 'prod', job: 'payments-api', team: 'payments' },
        properties: { instances: [exporter.address] },
        relations: [{ type: 'runs_on', kind: 'host', name: '127.0.0.1', exists: true }],
      });
      const again = await api('POST', '/api/v1/estate/import/prometheus', {
        url: prometheus.url,
        site: 'idc-sh',
      });
      expect(again.body.counts).toMatchObject({ create: 0, unchanged: 2 });
    } finally {
      await prometheus.stop();
      await exporter.stop();
    }
    const gone = await api('POST', '/api/v1/estate/import/prometheus', { url: prometheus.url });
    expect(gone.status).toBe(400);
    expect(gone.body.error.message).toMatch(/could not reach Prometheus/);
  });
});
