/**
 * Routing and durable escalation on both stores, with an injected clock: an incident routed by
 * the first matching rule gets its team, level 1 is notified at once, level 2 when level 1's
 * timeout passes unacknowledged, the policy repeats and runs out; acknowledging stops it; two
 * replicas firing at once take each step once.
 */
import { expect, it } from 'vitest';
import { escalationPolicySpec, scheduleSpec } from '../../src/core/oncall/index.ts';
import { createLogger } from '../../src/logger.ts';
import {
  addOverride,
  findEscalation,
  fireDueEscalations,
  putPolicy,
  putRoutingRule,
  putSchedule,
  resolveTargets,
  routeIncident,
  stopEscalation,
  type OncallDeps,
} from '../../src/oncall/index.ts';
import { openStore } from '../../src/store/index.ts';
import { describeEachStore } from '../support/stores.ts';
import { oncallIncidentPort } from '../../src/events/index.ts';
import { openIncident, people, timeline as fullTimeline } from './fixtures.ts';

const M = 60_000;

/** The escalation entries of an incident's timeline (routing is recorded first). */
const timeline = async (store: Parameters<typeof fullTimeline>[0], id: string) =>
  (await fullTimeline(store, id)).filter((e) => e.type.startsWith('escalation.'));
const T0 = Date.parse('2024-03-12T10:00:00Z');

describeEachStore('on-call escalation', (ctx) => {
  async function setup() {
    const { store } = ctx();
    await people(store, ['ann', 'bob', 'cat', 'boss'], { sre: ['bob', 'cat'] });
    await putSchedule(
      store.db,
      scheduleSpec.parse({
        name: 'web-primary',
        time_zone: 'Europe/Berlin',
        layers: [
          { name: 'weekly', users: ['ann', 'bob'], rotation: '1w', start: '2024-03-11', handoff: '09:00' },
        ],
      }),
      'test',
      T0,
    );
    await putPolicy(
      store.db,
      escalationPolicySpec.parse({
        name: 'web',
        levels: [
          { targets: [{ schedule: 'web-primary' }], timeout: '5m' },
          { targets: [{ team: 'sre' }, { user: 'boss' }], timeout: '15m' },
        ],
        repeat: 1,
      }),
      'test',
      T0,
    );
    await putRoutingRule(
      store.db,
      { name: 'web', labels: { service: 'web' }, team: 'sre', escalation_policy: 'web' },
      'test',
      T0,
    );
    await putRoutingRule(store.db, { name: 'rest', team: 'sre' }, 'test', T0);
    let now = T0;
    const deps: OncallDeps = {
      store,
      clock: () => now,
      log: createLogger('silent'),
      incidents: oncallIncidentPort,
    };
    return { store, deps, at: (t: number) => (now = t) };
  }

  it('routes an incident to its team and escalates level by level until the policy runs out', async () => {
    const { store, deps, at } = await setup();
    const incident = await openIncident(store, { title: 'web down', labels: { service: 'web' }, now: T0 });
    const routed = await store.transaction((tx) => routeIncident(tx, incident, { now: T0 }));
    expect(routed).toEqual({ rule: 'web', team: 'sre', policy: 'web', errors: [] });
    expect((await store.db.selectFrom('incidents').select('team').executeTakeFirstOrThrow()).team).toBe(
      'sre',
    );
    expect((await fullTimeline(store, incident.id)).map((e) => e.message)).toEqual([
      'routed by rule web: team sre, escalation policy web',
    ]);

    // Level 1 at once: the schedule's on-call user (ann in the week of 11 March).
    expect(await fireDueEscalations(deps)).toBe(1);
    expect((await timeline(store, incident.id)).map((e) => e.data)).toEqual([
      expect.objectContaining({ level: 1, round: 0, users: ['ann'] }),
    ]);
    at(T0 + 5 * M - 1);
    expect(await fireDueEscalations(deps)).toBe(0);
    at(T0 + 5 * M);
    await fireDueEscalations(deps);
    at(T0 + 20 * M);
    await fireDueEscalations(deps);
    at(T0 + 25 * M);
    await fireDueEscalations(deps);
    at(T0 + 40 * M);
    await fireDueEscalations(deps);
    at(T0 + 90 * M);
    expect(await fireDueEscalations(deps)).toBe(0);
    const steps = (await timeline(store, incident.id)).map((e) => [
      e.type,
      (e.data as { level?: number }).level,
      (e.data as { users?: string[] }).users,
    ]);
    expect(steps).toEqual([
      ['escalation.notified', 1, ['ann']],
      ['escalation.notified', 2, ['bob', 'cat', 'boss']],
      ['escalation.notified', 1, ['ann']],
      ['escalation.notified', 2, ['bob', 'cat', 'boss']],
      ['escalation.exhausted', undefined, undefined],
    ]);
    expect(await findEscalation(store.db, incident.id)).toMatchObject({
      status: 'exhausted',
      level: 2,
      round: 1,
      dueAt: null,
    });
  });

  it('stops escalating once the incident is acknowledged, and at once when told', async () => {
    const { store, deps, at } = await setup();
    const a = await openIncident(store, { title: 'web slow', labels: { service: 'web' }, now: T0 });
    const b = await openIncident(store, { title: 'web 500s', labels: { service: 'web' }, now: T0 });
    await store.transaction(async (tx) => {
      await routeIncident(tx, a, { now: T0 });
      await routeIncident(tx, b, { now: T0 });
    });
    await fireDueEscalations(deps);
    await store.db.updateTable('incidents').set({ status: 'acknowledged' }).where('id', '=', a.id).execute();
    expect(await store.transaction((tx) => stopEscalation(tx, b.id, 'acknowledged by ann', T0 + M))).toBe(
      true,
    );
    at(T0 + 5 * M);
    await fireDueEscalations(deps);
    expect((await timeline(store, a.id)).map((e) => e.type)).toEqual([
      'escalation.notified',
      'escalation.stopped',
    ]);
    expect((await timeline(store, b.id)).map((e) => e.type)).toEqual(['escalation.notified']);
    expect(await findEscalation(store.db, a.id)).toMatchObject({
      status: 'stopped',
      stopReason: 'acknowledged',
    });
    expect(await findEscalation(store.db, b.id)).toMatchObject({
      status: 'stopped',
      stopReason: 'acknowledged by ann',
    });
  });

  it('routes by the first matching rule: a rule without a policy sets the team only', async () => {
    const { store } = await setup();
    const other = await openIncident(store, { title: 'db slow', labels: { service: 'db' }, now: T0 });
    const routed = await store.transaction((tx) => routeIncident(tx, other, { now: T0 }));
    expect(routed).toEqual({ rule: 'rest', team: 'sre', policy: null, errors: [] });
    expect(await findEscalation(store.db, other.id)).toBeUndefined();
  });

  it('reaches the override instead of the rotation while it lasts', async () => {
    const { store } = await setup();
    await addOverride(
      store.db,
      { schedule: 'web-primary', user: 'cat', start: T0, end: T0 + 60 * M, reason: null, actor: 't' },
      T0,
    );
    const reached = async (t: number) =>
      (await resolveTargets(store.db, [{ schedule: 'web-primary' }], t)).flatMap((r) => r.users);
    expect(await reached(T0 + 30 * M)).toEqual(['cat']);
    expect(await reached(T0 + 60 * M)).toEqual(['ann']);
  });

  it('takes each step once when several replicas fire at the same time', async () => {
    const { store, deps, at } = await setup();
    const h = ctx();
    const incidents: Awaited<ReturnType<typeof openIncident>>[] = [];
    for (let i = 0; i < 5; i++)
      incidents.push(await openIncident(store, { title: `web ${i}`, labels: { service: 'web' }, now: T0 }));
    await store.transaction(async (tx) => {
      for (const i of incidents) await routeIncident(tx, i, { now: T0 });
    });
    // A second replica: its own connection to the same database.
    const other = await openStore({
      dataDir: h.dataDir,
      ...(h.url ? { databaseUrl: h.url } : {}),
      ...(h.schema ? { schema: h.schema } : {}),
      log: () => undefined,
    });
    try {
      const replica: OncallDeps = { ...deps, store: other };
      await Promise.all([fireDueEscalations(deps), fireDueEscalations(replica), fireDueEscalations(deps)]);
      at(T0 + 5 * M);
      await Promise.all([fireDueEscalations(replica), fireDueEscalations(deps), fireDueEscalations(replica)]);
    } finally {
      await other.close();
    }
    for (const i of incidents)
      expect((await timeline(store, i.id)).map((e) => (e.data as { level: number }).level)).toEqual([1, 2]);
  });
});
