/** The estate in the store, on SQLite and PostgreSQL: applying sources, history, agent facts, selectors. */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { parseSelector, ResourceSet, type ResourceSpec } from '../../src/core/estate/index.ts';
import {
  applySource,
  deleteResource,
  findResource,
  incomingRelations,
  listResources,
  recordAgentFacts,
  resourceHistory,
  type Store,
} from '../../src/store/index.ts';
import { describeEachStore } from '../support/stores.ts';

const host = (name: string, o: Partial<ResourceSpec> = {}): ResourceSpec => ({
  kind: 'host',
  name,
  site: 'idc-sh',
  labels: {},
  properties: {},
  relations: [],
  ...o,
});

const apply = (store: Store, source: string, resources: ResourceSpec[], now = 1000, dryRun = false) =>
  store.transaction((tx) => applySource(tx, { source, resources, actor: 'alice', now, dryRun }));

async function keys(
  store: Store,
  selector = '',
  o: { site?: string; kind?: string } = {},
): Promise<string[]> {
  const { resources } = await listResources(store.db, {
    selector: parseSelector(selector),
    limit: 100_000,
    ...o,
  });
  return resources.map((r) => `${r.kind}/${r.name}`);
}

describeEachStore('the estate', (ctx) => {
  it('applying a source again removes what it no longer lists and leaves other sources alone', async () => {
    const { store } = ctx();
    await apply(store, 'gitops', [host('web-1'), host('web-2'), host('web-3')]);
    await apply(store, 'ansible:hosts.ini', [host('db-1')]);
    const result = await apply(
      store,
      'gitops',
      [host('web-1', { labels: { role: 'web' } }), host('web-2')],
      2000,
    );
    expect(result.counts).toEqual({ create: 0, update: 1, delete: 1, unchanged: 1, conflict: 0 });
    expect(result.items.map((i) => `${i.action} ${i.kind}/${i.name}`)).toEqual([
      'update host/web-1',
      'delete host/web-3',
    ]);
    expect(await keys(store)).toEqual(['host/db-1', 'host/web-1', 'host/web-2']);
    // Listing a resource another source owns is a conflict; nothing of it changes.
    const clash = await apply(
      store,
      'gitops',
      [host('web-1'), host('web-2'), host('db-1', { site: 'x' })],
      3000,
    );
    expect(clash.items).toContainEqual(expect.objectContaining({ name: 'db-1', action: 'conflict' }));
    expect((await findResource(store.db, 'host', 'db-1'))!).toMatchObject({
      source: 'ansible:hosts.ini',
      site: 'idc-sh',
    });
    // An empty list empties the source.
    await apply(store, 'gitops', [], 4000);
    expect(await keys(store)).toEqual(['host/db-1']);
  });

  it('a dry run says what would change and changes nothing', async () => {
    const { store } = ctx();
    await apply(store, 'gitops', [host('a'), host('b')]);
    const plan = await apply(
      store,
      'gitops',
      [host('a', { properties: { cpus: 8 } }), host('c')],
      2000,
      true,
    );
    expect(plan.dryRun).toBe(true);
    expect(plan.items.map((i) => `${i.action} ${i.name}`)).toEqual(['update a', 'create c', 'delete b']);
    expect(await keys(store)).toEqual(['host/a', 'host/b']);
    expect(await resourceHistory(store.db, 'host', 'a', { since: 0, limit: 100 })).toHaveLength(1);
  });

  it('every change is kept as history, field by field, also after a deletion', async () => {
    const { store } = ctx();
    await apply(
      store,
      'gitops',
      [host('db-1', { properties: { version: '14' }, labels: { env: 'prod' } })],
      1000,
    );
    await apply(
      store,
      'gitops',
      [host('db-1', { properties: { version: '15' }, labels: { env: 'prod' } })],
      2000,
    );
    await apply(
      store,
      'gitops',
      [host('db-1', { properties: { version: '15' }, labels: { env: 'prod' } })],
      3000,
    );
    await store.transaction((tx) => deleteResource(tx, 'host', 'db-1', { actor: 'bob', now: 4000 }));
    const history = await resourceHistory(store.db, 'host', 'db-1', { since: 0, limit: 100 });
    expect(history.map((h) => [h.at, h.change, h.actor])).toEqual([
      [1000, 'created', 'alice'],
      [2000, 'updated', 'alice'],
      [4000, 'deleted', 'bob'],
    ]);
    expect(history[1]!.changes).toEqual([{ field: 'properties.version', before: '14', after: '15' }]);
    expect(await resourceHistory(store.db, 'host', 'db-1', { since: 1500, limit: 100 })).toHaveLength(2);
    expect(await findResource(store.db, 'host', 'db-1')).toBeUndefined();
  });

  it("an agent's facts make its host, refresh them, and survive the host being declared", async () => {
    const { store } = ctx();
    const report = (facts: Record<string, unknown>, now: number) =>
      store.transaction((tx) =>
        recordAgentFacts(tx, { agentId: 'a1', agentName: 'sh-1', site: 'idc-sh', facts, now }),
      );
    await report({ hostname: 'Node-7', cpus: 4, memory_bytes: 1 }, 1000);
    expect(await findResource(store.db, 'host', 'node-7')).toMatchObject({
      source: 'agent:a1',
      site: 'idc-sh',
      facts: { hostname: 'Node-7', cpus: 4, memory_bytes: 1 },
    });
    const same = await report({ hostname: 'Node-7', cpus: 4, memory_bytes: 1 }, 2000);
    expect(same.changes).toEqual([]);
    await report({ hostname: 'Node-7', cpus: 8, memory_bytes: 1 }, 3000);
    // A file that declares the host takes it over; the facts stay, and keep being refreshed.
    await apply(store, 'gitops', [host('node-7', { site: 'idc-bj', labels: { role: 'db' } })], 4000);
    await report({ hostname: 'Node-7', cpus: 16, memory_bytes: 1 }, 5000);
    expect(await findResource(store.db, 'host', 'node-7')).toMatchObject({
      source: 'gitops',
      site: 'idc-bj',
      labels: { role: 'db' },
      facts: { cpus: 16 },
    });
    const history = await resourceHistory(store.db, 'host', 'node-7', { since: 0, limit: 100 });
    expect(history.map((h) => [h.at, h.change, h.actor])).toEqual([
      [1000, 'created', 'agent:a1'],
      [3000, 'updated', 'agent:a1'],
      [4000, 'updated', 'alice'],
      [5000, 'updated', 'agent:a1'],
    ]);
    expect(history[1]!.changes).toEqual([{ field: 'facts.cpus', before: 4, after: 8 }]);
  });

  it('shows relations both ways, dangling ones included', async () => {
    const { store } = ctx();
    await apply(store, 'gitops', [
      host('db-1'),
      { ...host('pg-main'), kind: 'database', relations: [{ type: 'runs_on', kind: 'host', name: 'db-1' }] },
      {
        ...host('api'),
        kind: 'service',
        relations: [
          { type: 'depends_on', kind: 'database', name: 'pg-main' },
          { type: 'depends_on', kind: 'cache', name: 'not-yet' },
        ],
      },
    ]);
    expect((await findResource(store.db, 'service', 'api'))!.relations).toEqual([
      { type: 'depends_on', kind: 'cache', name: 'not-yet' },
      { type: 'depends_on', kind: 'database', name: 'pg-main' },
    ]);
    expect(await incomingRelations(store.db, 'database', 'pg-main')).toEqual([
      { type: 'depends_on', kind: 'service', name: 'api' },
    ]);
    expect(await keys(store, 'depends_on(runs_on(name=db-1))')).toEqual(['service/api']);
    expect(await keys(store, '^runs_on(kind=database)')).toEqual(['host/db-1']);
  });

  it('pages through resources in kind and name order', async () => {
    const { store } = ctx();
    await apply(
      store,
      'gitops',
      Array.from({ length: 25 }, (_, i) => host(`h${String(i).padStart(2, '0')}`)),
    );
    const seen: string[] = [];
    let after: { kind: string; name: string } | undefined;
    for (let page = 0; page < 10; page++) {
      const res = await listResources(store.db, { limit: 10, ...(after ? { after } : {}) });
      seen.push(...res.resources.map((r) => r.name));
      if (!res.more) break;
      const last = res.resources.at(-1)!;
      after = { kind: last.kind, name: last.name };
    }
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `h${String(i).padStart(2, '0')}`));
  });

  it('selectors in SQL pick exactly what they pick in memory', async () => {
    const { store } = ctx();
    const kinds = ['host', 'database', 'service'];
    const names = ['a', 'b', 'c', 'd', 'e', 'f'];
    const values = ['x', 'y', 'z'];
    const relation = fc.record({
      type: fc.constantFrom('runs_on' as const, 'depends_on' as const, 'member_of' as const),
      kind: fc.constantFrom(...kinds),
      name: fc.constantFrom(...names),
    });
    const resources = fc.uniqueArray(
      fc.record({
        kind: fc.constantFrom(...kinds),
        name: fc.constantFrom(...names),
        site: fc.constantFrom(null, 'sh', 'bj'),
        labels: fc.dictionary(fc.constantFrom('env', 'role', 'tier'), fc.constantFrom(...values)),
        relations: fc.uniqueArray(relation, {
          maxLength: 3,
          selector: (r) => `${r.type} ${r.kind}/${r.name}`,
        }),
      }),
      { maxLength: 14, selector: (r) => `${r.kind}/${r.name}` },
    );
    const key = fc.constantFrom('env', 'role', 'tier', 'site', 'kind', 'name');
    const value = fc.constantFrom(...values, ...kinds, ...names, 'sh', 'bj');
    const simple = fc.oneof(
      fc.tuple(key, fc.constantFrom('=', '!='), value).map(([k, o, v]) => `${k}${o}${v}`),
      fc
        .tuple(key, fc.constantFrom('in', 'notin'), fc.array(value, { minLength: 1, maxLength: 3 }))
        .map(([k, o, vs]) => `${k} ${o} (${vs.join(',')})`),
      key,
      key.map((k) => `!${k}`),
      fc
        .tuple(fc.constantFrom('runs_on', 'depends_on', 'member_of'), fc.constantFrom(...names))
        .map(([r, n]) => `${r}=${n}`),
    );
    const term = fc.oneof(
      { weight: 3, arbitrary: simple },
      {
        weight: 1,
        arbitrary: fc
          .tuple(
            fc.constantFrom('', '^'),
            fc.constantFrom('runs_on', 'depends_on'),
            fc.array(simple, { maxLength: 2 }),
          )
          .map(([dir, r, inner]) => `${dir}${r}(${inner.join(',')})`),
      },
    );
    const selector = fc.array(term, { maxLength: 3 }).map((t) => t.join(','));
    let round = 0;
    await fc.assert(
      fc.asyncProperty(
        resources,
        fc.array(selector, { minLength: 5, maxLength: 5 }),
        async (drawn, selectors) => {
          const source = `prop-${round++}`;
          const specs: ResourceSpec[] = drawn.map((r) => ({
            ...r,
            properties: {},
            relations: r.relations,
          }));
          // Each round owns the estate: the previous source is emptied first.
          if (round > 1) await apply(store, `prop-${round - 2}`, []);
          await apply(store, source, specs);
          const memory = new ResourceSet(specs.map((s) => ({ ...s, source })));
          for (const text of selectors) {
            const want = memory
              .select(parseSelector(text))
              .map((r) => `${r.kind}/${r.name}`)
              .sort();
            expect((await keys(store, text)).sort(), text).toEqual(want);
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  it('a selector over 10,000 resources answers from the indexes', { timeout: 120_000 }, async () => {
    const { store } = ctx();
    const roles = ['web', 'db', 'cache', 'queue'];
    const resources: ResourceSpec[] = Array.from({ length: 10_000 }, (_, i) => ({
      kind: i % 10 === 0 ? 'database' : 'host',
      name: `r${i}`,
      site: i % 2 === 0 ? 'idc-sh' : 'idc-bj',
      labels: { role: roles[i % 4]!, env: i % 3 === 0 ? 'prod' : 'stage', rack: `r${i % 50}` },
      properties: { index: i },
      relations: i % 10 === 0 ? [] : [{ type: 'runs_on', kind: 'database', name: `r${i - (i % 10)}` }],
    }));
    const started = Date.now();
    const result = await apply(store, 'bulk', resources);
    expect(result.counts.create).toBe(10_000);
    const applied = Date.now() - started;
    const t0 = Date.now();
    const found = await keys(store, 'kind=host,site=idc-sh,role=web,env in (prod),rack');
    const expected = resources.filter(
      (r) => r.kind === 'host' && r.site === 'idc-sh' && r.labels.role === 'web' && r.labels.env === 'prod',
    );
    expect(found.sort()).toEqual(expected.map((r) => `host/${r.name}`).sort());
    const byRelation = await keys(store, 'runs_on(kind=database,role=web,env=prod)');
    const selectDuration = Date.now() - t0;
    const memory = new ResourceSet(resources.map((r) => ({ ...r, source: 'bulk' })));
    expect(byRelation.sort()).toEqual(
      memory
        .select(parseSelector('runs_on(kind=database,role=web,env=prod)'))
        .map((r) => `host/${r.name}`)
        .sort(),
    );
    // Generous bounds (a shared CI machine): a scan per term would take far longer.
    expect(selectDuration, `selects took ${selectDuration} ms`).toBeLessThan(5_000);
    expect(applied, `apply took ${applied} ms`).toBeLessThan(90_000);
    // Re-applying the same list changes nothing and writes no history.
    const again = await apply(store, 'bulk', resources, 2000);
    expect(again.counts.unchanged).toBe(10_000);
  });
});
