/**
 * The knowledge-base API on an in-process server: incidents related to an incident by resource,
 * newest first, itself and later ones left out; incident search with highlights; replicas racing
 * to index the same run write one document.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { silentLogger } from '../../src/engine/deps.ts';
import { indexChangedIncidents, indexRun } from '../../src/kb/index.ts';
import { startServer, type RunningServer } from '../../src/server/server.ts';
import { client } from '../support/server-process.ts';

const TOKEN = 'kb-api-admin-token-0123456789abcdef';
let dir: string;
let server: RunningServer;
let api: ReturnType<typeof client>;

async function incident(id: string, openedAt: number, title: string, resource: string): Promise<void> {
  const db = server.store.db;
  await db
    .insertInto('incidents')
    .values({
      id,
      status: 'resolved',
      severity: 'critical',
      title,
      site: 'idc-shanghai',
      resource,
      team: null,
      assignee: null,
      grouping: 'resource',
      labels: '{}',
      source: null,
      group_key: null,
      open_key: null,
      auto_resolve: 1,
      opened_at: openedAt,
      acknowledged_at: null,
      acknowledged_by: null,
      resolved_at: openedAt + 60_000,
      resolved_by: 'carol',
      updated_at: openedAt + 60_000,
    })
    .execute();
  await db
    .insertInto('incident_timeline')
    .values({
      incident_id: id,
      at: openedAt,
      type: 'note',
      actor: 'carol',
      message: `postmortem for ${title}: the WAL disk filled up`,
      data: '{}',
      event_id: null,
      run_id: null,
    })
    .execute();
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tandem-kb-api-'));
  process.env.TANDEM_ADMIN_TOKEN = TOKEN;
  server = await startServer({
    port: 0,
    host: '127.0.0.1',
    dataDir: dir,
    logLevel: 'silent',
    localCapacity: 2,
  });
  api = client(server.url, TOKEN);
});

afterAll(async () => {
  delete process.env.TANDEM_ADMIN_TOKEN;
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

it('relates an incident to earlier incidents on the same resource, and finds them by their notes', async () => {
  const now = Date.now();
  await incident('inc-old', now - 3 * 3_600_000, 'Primary down (first time)', 'database/pg-sh-1');
  await incident('inc-mid', now - 2 * 3_600_000, 'Web slow', 'service/web-1');
  await incident('inc-new', now - 3_600_000, 'Primary down again', 'database/pg-sh-1');
  await incident('inc-later', now, 'Primary down a third time', 'database/pg-sh-1');
  await indexChangedIncidents({ store: server.store, clock: Date.now, log: silentLogger });

  const related = await api('GET', '/api/v1/kb/related?incident=inc-new');
  expect(related.status).toBe(200);
  expect(related.body).toMatchObject({ resources: ['database/pg-sh-1'] });
  expect(related.body.related.map((r: { id: string }) => r.id)).toEqual(['inc-old']);
  expect((await api('GET', '/api/v1/kb/related?incident=nope')).status).toBe(404);
  expect((await api('GET', '/api/v1/kb/related?run=nope')).status).toBe(404);
  const all = await api(
    'GET',
    '/api/v1/kb/related?resource=database/pg-sh-1,service/web-1&kind=incident&limit=3',
  );
  expect(all.body.related.map((r: { id: string }) => r.id)).toEqual(['inc-later', 'inc-new', 'inc-mid']);

  const found = await api(
    'GET',
    `/api/v1/kb/search?q=${encodeURIComponent('"WAL disk" primary')}&kind=incident`,
  );
  expect(found.status).toBe(200);
  expect(found.body.mode).toBe('fulltext');
  expect(found.body.results.map((r: { id: string }) => r.id).sort()).toEqual([
    'inc-later',
    'inc-new',
    'inc-old',
  ]);
  const first = found.body.results[0] as { snippet: string; highlights: [number, number][] };
  expect(first.highlights.map(([a, b]) => first.snippet.slice(a, b).toLowerCase())).toContain('wal disk');
});

it('writes one document when replicas index the same run at once', async () => {
  await server.engine.applyRunbook(
    'apiVersion: tandem/v1\nkind: Runbook\nmetadata: { name: hello }\nspec:\n  steps:\n    - { id: hi, log: hello }\n',
    'test',
  );
  const { id } = await server.engine.startRun({ runbook: 'hello', actor: 'test' });
  const deadline = Date.now() + 15_000;
  while ((await server.engine.getRun(id))?.status !== 'succeeded') {
    if (Date.now() > deadline) throw new Error('the run did not finish');
    await new Promise((r) => setTimeout(r, 20));
  }
  const deps = { store: server.store, clock: Date.now, log: silentLogger };
  expect(await Promise.all([indexRun(deps, id), indexRun(deps, id), indexRun(deps, id)])).toEqual([
    true,
    true,
    true,
  ]);
  const docs = await server.store.db
    .selectFrom('kb_documents')
    .select('id')
    .where('ref_id', '=', id)
    .execute();
  expect(docs).toHaveLength(1);
});
