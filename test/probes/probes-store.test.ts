/**
 * Probes on both stores: definitions versioned by content, results and cells, which agent runs
 * what, what an agent may report, retention, and the evaluator acting once per change however
 * many replicas evaluate.
 */
import { expect, it } from 'vitest';
import type { EventInput } from '../../src/core/events/index.ts';
import { parseProbeValue } from '../../src/core/probes/index.ts';
import { createLogger } from '../../src/logger.ts';
import {
  acceptResults,
  assignmentsFor,
  evaluateProbes,
  getProbe,
  listCells,
  listResults,
  pruneResults,
  putProbe,
  recordResults,
  RESULT_RETENTION_MS,
  type ProbeDeps,
} from '../../src/probes/index.ts';
import { insertAgent, upsertSite, type Store } from '../../src/store/index.ts';
import { describeEachStore } from '../support/stores.ts';

const T0 = Date.parse('2024-05-01T00:00:00Z');

const probe = (name: string, spec: Record<string, unknown>) =>
  parseProbeValue({ apiVersion: 'tandem/v1', kind: 'Probe', metadata: { name }, spec });

async function estate(store: Store) {
  await upsertSite(store.db, { name: 'sh', kind: 'idc', labels: { region: 'cn' } }, T0);
  await upsertSite(store.db, { name: 'hz', kind: 'public-cloud', labels: { region: 'cn' } }, T0);
  for (const [id, site] of [
    ['sh-1', 'sh'],
    ['sh-2', 'sh'],
    ['hz-1', 'hz'],
  ] as const)
    await insertAgent(store.db, {
      id,
      name: id,
      site,
      labels: [],
      capacity: 1,
      version: null,
      facts: null,
      credentialHash: `hash-${id}`,
      now: T0,
    });
  const sites = 'name in (sh,hz)';
  for (const p of [
    probe('web-http', { service: 'web', sites, interval: '10s', http: { url: 'http://web.test/' } }),
    probe('web-tcp', { service: 'web', sites, interval: '10s', tcp: { host: 'web.test', port: 80 } }),
    probe('db', { sites, interval: '10s', tcp: { host: 'db.test', port: 5432 } }),
    probe('sh-dns', { sites: 'name=sh', interval: '10s', dns: { name: 'web.test' } }),
  ])
    await putProbe(store.db, p, 'test', T0);
}

describeEachStore('probes', (ctx) => {
  it('versions a probe by its content: the same definition again changes nothing', async () => {
    const { store } = ctx();
    const p = probe('web', { tcp: { host: 'web.test', port: 80 } });
    expect(await putProbe(store.db, p, 'ann', T0)).toEqual({ change: 'created', version: 1 });
    expect(await putProbe(store.db, p, 'ann', T0 + 1)).toEqual({ change: 'unchanged', version: 1 });
    const changed = probe('web', { tcp: { host: 'web.test', port: 8080 } });
    expect(await putProbe(store.db, changed, 'bob', T0 + 2)).toEqual({ change: 'updated', version: 2 });
    expect(await getProbe(store.db, 'web')).toMatchObject({
      version: 2,
      createdBy: 'ann',
      check: { port: 8080 },
    });
  });

  it('gives each probe of a site to one live agent, and moves it when that agent goes quiet', async () => {
    const { store } = ctx();
    await estate(store);
    const names = async (id: string, site: string, now: number) =>
      (await assignmentsFor(store, { id, site }, now)).map((a) => a.name).sort();
    const sh1 = await names('sh-1', 'sh', T0 + 1000);
    const sh2 = await names('sh-2', 'sh', T0 + 1000);
    expect([...sh1, ...sh2].sort()).toEqual(['db', 'sh-dns', 'web-http', 'web-tcp']);
    expect(await names('hz-1', 'hz', T0 + 1000)).toEqual(['db', 'web-http', 'web-tcp']);
    // sh-2 is not heard from for a minute: sh-1 (which asks, so is alive) runs everything of sh.
    await store.db
      .updateTable('agents')
      .set({ last_seen_at: T0 + 60_000 })
      .where('id', '=', 'sh-1')
      .execute();
    expect(await names('sh-1', 'sh', T0 + 61_000)).toEqual(['db', 'sh-dns', 'web-http', 'web-tcp']);
  });

  it('keeps results as a series and the latest per site as a cell, counting failures in a row', async () => {
    const { store } = ctx();
    await estate(store);
    const r = (at: number, ok: boolean) => ({
      probe: 'db',
      site: 'sh',
      agent: 'sh-1',
      at,
      ok,
      latencyMs: ok ? 3 : null,
      error: ok ? null : 'refused',
    });
    await recordResults(store.db, [r(T0 + 1, false), r(T0 + 2, false)]);
    await recordResults(store.db, [r(T0 + 3, false)]);
    expect(await listCells(store.db)).toEqual([
      { probe: 'db', site: 'sh', at: T0 + 3, ok: false, failures: 3, latencyMs: null, error: 'refused' },
    ]);
    // A late delivery of an older result joins the series but leaves the cell alone.
    await recordResults(store.db, [r(T0, true)]);
    expect((await listCells(store.db))[0]).toMatchObject({ at: T0 + 3, failures: 3 });
    await recordResults(store.db, [r(T0 + 4, true)]);
    expect((await listCells(store.db))[0]).toMatchObject({ at: T0 + 4, ok: true, failures: 0, latencyMs: 3 });
    expect((await listResults(store.db, { probe: 'db', limit: 10 })).map((x) => x.at)).toEqual([
      T0 + 4,
      T0 + 3,
      T0 + 2,
      T0 + 1,
      T0,
    ]);
    expect(await pruneResults(store.db, T0 + 2 + RESULT_RETENTION_MS)).toBe(2);
    expect(await listResults(store.db, { probe: 'db', limit: 10 })).toHaveLength(3);
  });

  it('takes from an agent only results of its own site’s probes, timed by their age', async () => {
    const { store } = ctx();
    await estate(store);
    const res = await acceptResults(
      store,
      { id: 'hz-1', site: 'hz' },
      [
        { probe: 'db', ageMs: 2_000, ok: true, latencyMs: 4, error: null },
        { probe: 'sh-dns', ageMs: 0, ok: true, latencyMs: 1, error: null },
        { probe: 'nope', ageMs: 0, ok: true, latencyMs: 1, error: null },
      ],
      T0 + 10_000,
    );
    expect(res).toEqual({ accepted: 1, dropped: 2 });
    expect(await listCells(store.db)).toEqual([
      { probe: 'db', site: 'hz', at: T0 + 8_000, ok: true, failures: 0, latencyMs: 4, error: null },
    ]);
  });

  it('opens a site incident and fires a service event once per change, however many replicas evaluate', async () => {
    const { store } = ctx();
    await estate(store);
    const calls: string[] = [];
    const events: EventInput[] = [];
    let now = T0;
    const deps: ProbeDeps = {
      store,
      clock: () => now,
      log: createLogger('silent'),
      hooks: {
        openSiteIncident: async (_tx, site, reason) => calls.push(`open ${site}: ${reason}`),
        resolveSiteIncident: async (_tx, site) => calls.push(`resolve ${site}`),
        ingestEvent: async (_tx, e) => {
          events.push(e);
          calls.push(`event ${e.fingerprint} ${e.status}`);
        },
      },
    };
    const report = async (site: 'sh' | 'hz', ok: (probe: string) => boolean) =>
      recordResults(
        store.db,
        ['web-http', 'web-tcp', 'db', ...(site === 'sh' ? ['sh-dns'] : [])].map((p) => ({
          probe: p,
          site,
          agent: null,
          at: now,
          ok: ok(p),
          latencyMs: ok(p) ? 5 : null,
          error: ok(p) ? null : `${p} refused`,
        })),
      );
    const evaluate = () => Promise.all([evaluateProbes(deps), evaluateProbes(deps)]);

    await report('sh', () => true);
    await report('hz', () => true);
    await evaluate();
    expect(calls).toEqual([]);

    // web fails from both sites: service down.
    now += 1_000;
    await report('sh', (p) => !p.startsWith('web'));
    await report('hz', (p) => !p.startsWith('web'));
    await evaluate();
    await evaluate();
    expect(calls).toEqual(['event probe:service:web firing']);
    expect(events[0]).toMatchObject({ status: 'firing', severity: 'critical', labels: { service: 'web' } });
    expect(events[0]!.description).toContain('sh: web-http refused; web-tcp refused');

    // web back; then sh fails everything hz reaches: sh cut off.
    now += 1_000;
    await report('sh', (p) => p === 'sh-dns' && false);
    await report('hz', () => true);
    await evaluate();
    expect(calls.slice(1)).toEqual([
      'open sh: site sh reaches none of the services other sites reach',
      'event probe:service:web resolved',
    ]);

    // sh back.
    now += 1_000;
    await report('sh', () => true);
    await report('hz', () => true);
    await evaluate();
    expect(calls.slice(3)).toEqual(['resolve sh']);

    // hz goes silent while sh reports: hz cut off (silent).
    now += 60_000;
    await report('sh', () => true);
    await evaluate();
    expect(calls.slice(4)).toEqual(['open hz: no probe results from site hz while other sites report']);
  });
});
