/**
 * Ingest against a real store, SQLite and PostgreSQL, with an injected clock: deduplication,
 * grouping (fingerprint, group, topology, site), auto-resolve, maintenance windows, the sender's
 * acknowledgement, the rule queue, and the contract functions others call.
 */
import { randomBytes } from 'node:crypto';
import { expect, it } from 'vitest';
import type { ResourceSpec } from '../../src/core/estate/index.ts';
import {
  maintenanceSpec,
  windowOf,
  type EventInput,
  type IncidentSummary,
} from '../../src/core/events/index.ts';
import {
  appendTimeline,
  createSource,
  findIncident,
  incidentTimeline,
  ingestEvents,
  insertWindow,
  linkRun,
  listEvents,
  listIncidents,
  openSiteIncident,
  resolveSiteIncident,
  acknowledgeIncident,
  resolveIncident,
  type EventSource,
  type IngestDeps,
} from '../../src/events/index.ts';
import { masterKeyOf } from '../../src/secrets/index.ts';
import { applySource, uuidv7, type Store } from '../../src/store/index.ts';
import { describeEachStore } from '../support/stores.ts';

const T0 = Date.parse('2026-11-25T10:00:00Z');
const MIN = 60_000;
const key = masterKeyOf(randomBytes(32));

const res = (
  kind: string,
  name: string,
  site: string | null,
  relations: ResourceSpec['relations'] = [],
): ResourceSpec => ({
  kind,
  name,
  site,
  labels: { env: 'prod' },
  properties: {},
  relations,
});

/** A small estate: shop depends on the database, which runs on its host; web on its own host. */
const ESTATE: ResourceSpec[] = [
  res('host', 'pg-sh-1', 'idc-sh'),
  res('database', 'pg-main', 'idc-sh', [{ type: 'runs_on', kind: 'host', name: 'pg-sh-1' }]),
  res('service', 'shop', 'idc-sh', [{ type: 'depends_on', kind: 'database', name: 'pg-main' }]),
  res('host', 'web-1', 'idc-sh'),
  res('host', 'edge-web', 'edge-1'),
];

function alert(fingerprint: string, o: Partial<EventInput> = {}): EventInput {
  return {
    fingerprint,
    status: 'firing',
    severity: 'warning',
    summary: `alert ${fingerprint}`,
    description: null,
    labels: { alertname: fingerprint },
    annotations: {},
    details: null,
    groupKey: null,
    startsAt: T0,
    endsAt: null,
    generatorUrl: null,
    ...o,
  };
}

interface World {
  store: Store;
  clock: { now: number };
  deps: IngestDeps;
  source: EventSource;
  hooks: { opened: IncidentSummary[]; settled: string[] };
  ingest(inputs: EventInput[], source?: EventSource): ReturnType<typeof ingestEvents>;
}

async function world(
  store: Store,
  o: { autoResolve?: boolean; autoResolveDefault?: boolean } = {},
): Promise<World> {
  await store.transaction((tx) =>
    applySource(tx, { source: 'test', resources: ESTATE, actor: 'test', now: T0 }),
  );
  const clock = { now: T0 };
  const hooks: World['hooks'] = { opened: [], settled: [] };
  const deps: IngestDeps = {
    store,
    clock: () => clock.now,
    newId: uuidv7,
    autoResolveDefault: o.autoResolveDefault ?? true,
    hooks: {
      opened: async (_tx, incident) => void hooks.opened.push(incident),
      settled: async (_tx, incident, status) => void hooks.settled.push(`${incident.id} ${status}`),
    },
  };
  const { source } = await createSource(
    store.db,
    key,
    {
      name: 'am',
      kind: 'alertmanager',
      auth: 'bearer',
      ...(o.autoResolve === undefined ? {} : { auto_resolve: o.autoResolve }),
    },
    { actor: 'test', now: T0 },
  );
  return {
    store,
    clock,
    deps,
    source,
    hooks,
    ingest: (inputs, s = source) => store.transaction((tx) => ingestEvents(tx, deps, s, inputs)),
  };
}

async function incidents(store: Store) {
  return (await listIncidents(store.db, { limit: 100 })).incidents;
}

describeEachStore('ingest, dedup and incidents', (ctx) => {
  it('opens an incident on the alert’s resource; repeats update the alert, not the incident', async () => {
    const w = await world(ctx().store);
    const labels = { alertname: 'PgDown', resource: 'pg-main', kind: 'database' };
    const [first] = await w.ingest([alert('fp-pg', { labels, severity: 'critical' })]);
    expect(first).toMatchObject({ outcome: 'opened', resource: 'database/pg-main', site: 'idc-sh' });
    w.clock.now += MIN;
    const [again] = await w.ingest([alert('fp-pg', { labels, severity: 'critical' })]);
    expect(again).toMatchObject({ outcome: 'updated', incidentId: first!.incidentId });

    const [incident] = await incidents(w.store);
    expect(incident).toMatchObject({
      status: 'triggered',
      severity: 'critical',
      resource: { kind: 'database', name: 'pg-main' },
      site: 'idc-sh',
      grouping: 'resource',
      openedAt: T0,
    });
    const row = await w.store.db.selectFrom('alerts').selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({ count: 2, first_seen_at: T0, last_seen_at: T0 + MIN, status: 'firing' });
    expect((await listEvents(w.store.db, { limit: 10 })).events.map((e) => e.outcome)).toEqual([
      'updated',
      'opened',
    ]);
    expect(w.hooks.opened.map((i) => i.id)).toEqual([incident!.id]);
  });

  it('gathers alerts on what depends on a failing resource into its incident, nearest first', async () => {
    const w = await world(ctx().store);
    const [host] = await w.ingest([alert('host-down', { labels: { host: 'pg-sh-1' }, severity: 'warning' })]);
    // The database runs on the host; the shop depends on the database (two hops from the host).
    const [db, shop] = await w.ingest([
      alert('pg-down', { labels: { resource: 'database/pg-main' }, severity: 'critical' }),
      alert('shop-slow', { labels: { service: 'shop' } }),
    ]);
    expect(db).toMatchObject({ outcome: 'joined', incidentId: host!.incidentId });
    expect(shop).toMatchObject({ outcome: 'joined', incidentId: host!.incidentId });
    // An unrelated host opens its own.
    const [web] = await w.ingest([alert('web-down', { labels: { host: 'web-1' } })]);
    expect(web!.outcome).toBe('opened');

    const incident = await findIncident(w.store.db, host!.incidentId!);
    expect(incident!.severity).toBe('critical');
    const timeline = await incidentTimeline(w.store.db, host!.incidentId!);
    expect(timeline.map((t) => t.type)).toEqual(['incident.triggered', 'alert.joined', 'alert.joined']);
    expect(timeline[1]!.message).toContain('database/pg-main depends on host/pg-sh-1');
    expect(timeline[2]!.data).toMatchObject({ reason: 'topology', fingerprint: 'shop-slow' });
  });

  it('joins an alert of the same group to the group’s open incident', async () => {
    const w = await world(ctx().store);
    const groupKey = '{}:{alertname="DiskFull"}';
    const [a] = await w.ingest([alert('disk-a', { groupKey, labels: { host: 'web-1' } })]);
    const [b] = await w.ingest([alert('disk-b', { groupKey, labels: { host: 'edge-web' } })]);
    expect(b).toMatchObject({ outcome: 'joined', incidentId: a!.incidentId });
    expect((await incidentTimeline(w.store.db, a!.incidentId!))[1]!.data).toMatchObject({ reason: 'group' });
  });

  it('gathers the alerts of a site cut off into the one site incident, until the site is back', async () => {
    const w = await world(ctx().store);
    const site = await w.store.transaction((tx) =>
      openSiteIncident(tx, w.deps, 'edge-1', 'no probe reaches it'),
    );
    const again = await w.store.transaction((tx) => openSiteIncident(tx, w.deps, 'edge-1', 'still cut off'));
    expect(again.id).toBe(site.id);
    expect(site).toMatchObject({
      grouping: 'site',
      site: 'edge-1',
      severity: 'critical',
      status: 'triggered',
    });

    const [edge, sh] = await w.ingest([
      alert('edge-down', { labels: { host: 'edge-web' } }),
      alert('web-down', { labels: { host: 'web-1' } }),
    ]);
    expect(edge).toMatchObject({ outcome: 'joined', incidentId: site.id });
    expect(sh!.outcome).toBe('opened');
    // Its alerts resolving does not end a site incident: the probes do.
    await w.ingest([alert('edge-down', { labels: { host: 'edge-web' }, status: 'resolved' })]);
    expect((await findIncident(w.store.db, site.id))!.status).toBe('triggered');

    w.clock.now += 5 * MIN;
    const resolved = await w.store.transaction((tx) =>
      resolveSiteIncident(tx, w.deps, 'edge-1', 'reachable again'),
    );
    expect(resolved).toMatchObject({ id: site.id, status: 'resolved', resolvedAt: T0 + 5 * MIN });
    expect(await w.store.transaction((tx) => resolveSiteIncident(tx, w.deps, 'edge-1', 'x'))).toBeUndefined();
    const [later] = await w.ingest([alert('edge-cpu', { labels: { host: 'edge-web' } })]);
    expect(later!.outcome).toBe('opened');
  });
});

describeEachStore('auto-resolve', (ctx) => {
  it('resolves the incident when its last alert resolves, at the injected time', async () => {
    const w = await world(ctx().store);
    const [a] = await w.ingest([alert('a', { labels: { host: 'web-1' } })]);
    await w.ingest([alert('b', { labels: { host: 'web-1' } })]);
    w.clock.now = T0 + 10 * MIN;
    const [ra] = await w.ingest([
      alert('a', { labels: { host: 'web-1' }, status: 'resolved', endsAt: T0 + 9 * MIN }),
    ]);
    expect(ra!.outcome).toBe('resolved');
    expect((await findIncident(w.store.db, a!.incidentId!))!.status).toBe('triggered');
    w.clock.now = T0 + 20 * MIN;
    await w.ingest([alert('b', { labels: { host: 'web-1' }, status: 'resolved' })]);
    const incident = await findIncident(w.store.db, a!.incidentId!);
    expect(incident).toMatchObject({ status: 'resolved', resolvedAt: T0 + 20 * MIN, resolvedBy: 'system' });
    const types = (await incidentTimeline(w.store.db, a!.incidentId!)).map((t) => t.type);
    expect(types).toEqual([
      'incident.triggered',
      'alert.joined',
      'alert.resolved',
      'alert.resolved',
      'incident.resolved',
    ]);
    expect(w.hooks.settled).toEqual([`${a!.incidentId!} resolved`]);
  });

  it('deduplicates within one request: a firing and its resolution in one payload', async () => {
    const w = await world(ctx().store);
    const labels = { host: 'web-1' };
    const out = await w.ingest([
      alert('same', { labels }),
      alert('same', { labels }),
      alert('same', { labels, status: 'resolved' }),
    ]);
    expect(out.map((e) => e.outcome)).toEqual(['opened', 'updated', 'resolved']);
    expect((await findIncident(w.store.db, out[0]!.incidentId!))!.status).toBe('resolved');
    const row = await w.store.db.selectFrom('alerts').selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({ count: 3, status: 'resolved' });
  });

  it('keeps the incident open when its source says not to, and a re-firing rejoins it', async () => {
    const w = await world(ctx().store, { autoResolve: false });
    const [a] = await w.ingest([alert('a', { labels: { host: 'web-1' } })]);
    await w.ingest([alert('a', { labels: { host: 'web-1' }, status: 'resolved' })]);
    expect((await findIncident(w.store.db, a!.incidentId!))!.status).toBe('triggered');
    w.clock.now += MIN;
    const [refired] = await w.ingest([alert('a', { labels: { host: 'web-1' }, startsAt: T0 + MIN })]);
    expect(refired).toMatchObject({ outcome: 'updated', incidentId: a!.incidentId });
    expect((await incidentTimeline(w.store.db, a!.incidentId!)).at(-1)!.type).toBe('alert.refired');
  });

  it('follows the server default for sources that do not say', async () => {
    const w = await world(ctx().store, { autoResolveDefault: false });
    const [a] = await w.ingest([alert('a', { labels: { host: 'web-1' } })]);
    await w.ingest([alert('a', { labels: { host: 'web-1' }, status: 'resolved' })]);
    expect((await findIncident(w.store.db, a!.incidentId!))!.status).toBe('triggered');
  });

  it('opens a new incident when an alert fires again after its incident resolved', async () => {
    const w = await world(ctx().store);
    const [a] = await w.ingest([alert('a', { labels: { host: 'web-1' } })]);
    await w.ingest([alert('a', { labels: { host: 'web-1' }, status: 'resolved' })]);
    // A late retry of the episode that resolved changes nothing.
    const [late] = await w.ingest([alert('a', { labels: { host: 'web-1' } })]);
    expect(late!.outcome).toBe('ignored');
    const [again] = await w.ingest([alert('a', { labels: { host: 'web-1' }, startsAt: T0 + 30 * MIN })]);
    expect(again!.outcome).toBe('opened');
    expect(again!.incidentId).not.toBe(a!.incidentId);
  });
});

describeEachStore('maintenance windows', (ctx) => {
  it('stores covered alerts but opens nothing, records why, and lets them open once the window is over', async () => {
    const w = await world(ctx().store);
    const spec = maintenanceSpec.parse({
      reason: 'database upgrade',
      selector: 'kind=database',
      starts_at: new Date(T0).toISOString(),
      ends_at: new Date(T0 + 60 * MIN).toISOString(),
    });
    const window = await insertWindow(w.store.db, windowOf('w1', spec), { actor: 'alice', now: T0 });
    const [pg, web] = await w.ingest([
      alert('pg', { labels: { resource: 'database/pg-main' } }),
      alert('web', { labels: { host: 'web-1' } }),
    ]);
    expect(pg).toMatchObject({ outcome: 'suppressed', suppressedBy: window.id, incidentId: null });
    expect(web!.outcome).toBe('opened');
    expect(await incidents(w.store)).toHaveLength(1);
    expect(w.hooks.opened).toHaveLength(1);
    const stored = (await listEvents(w.store.db, { limit: 10, fingerprint: 'pg' })).events[0]!;
    expect(stored).toMatchObject({ outcome: 'suppressed', suppressedBy: 'w1' });

    w.clock.now = T0 + 61 * MIN;
    const [after] = await w.ingest([alert('pg', { labels: { resource: 'database/pg-main' } })]);
    expect(after!.outcome).toBe('opened');
  });

  it('records on an open incident the alerts a window kept from joining it', async () => {
    const w = await world(ctx().store);
    const [host] = await w.ingest([alert('host-down', { labels: { host: 'pg-sh-1' } })]);
    const spec = maintenanceSpec.parse({
      reason: 'shop deploy',
      selector: 'kind=service',
      cron: '0 10 * * *',
      duration: '30m',
      time_zone: 'UTC',
    });
    await insertWindow(w.store.db, windowOf('w2', spec), { actor: 'alice', now: T0 });
    w.clock.now = T0 + 5 * MIN;
    const [shop] = await w.ingest([alert('shop', { labels: { service: 'shop' } })]);
    expect(shop).toMatchObject({ outcome: 'suppressed', suppressedBy: 'w2' });
    const last = (await incidentTimeline(w.store.db, host!.incidentId!)).at(-1)!;
    expect(last).toMatchObject({ type: 'alert.suppressed', data: { fingerprint: 'shop', window: 'w2' } });
    // The next day at 09:00 the window is not in effect: the alert joins.
    w.clock.now = T0 + 23 * 60 * MIN;
    expect((await w.ingest([alert('shop', { labels: { service: 'shop' } })]))[0]!.outcome).toBe('joined');
  });
});

describeEachStore('acknowledgement, the rule queue, and what others call', (ctx) => {
  it('acknowledges the incident when the sender acknowledges its alert (PagerDuty)', async () => {
    const w = await world(ctx().store);
    const [a] = await w.ingest([alert('pd-1', { labels: { host: 'web-1' }, startsAt: null })]);
    w.clock.now += MIN;
    const [ack] = await w.ingest([
      alert('pd-1', { status: 'acknowledged', startsAt: null, severity: 'info' }),
    ]);
    expect(ack!.outcome).toBe('acknowledged');
    const incident = await findIncident(w.store.db, a!.incidentId!);
    expect(incident).toMatchObject({
      status: 'acknowledged',
      acknowledgedBy: 'source:am',
      acknowledgedAt: T0 + MIN,
    });
    // The acknowledgement carried no severity: the alert keeps its own.
    const row = await w.store.db.selectFrom('alerts').select('severity').executeTakeFirstOrThrow();
    expect(row.severity).toBe('warning');
  });

  it('lets a person acknowledge then resolve, once each, with the hooks told', async () => {
    const w = await world(ctx().store);
    const [a] = await w.ingest([alert('x', { labels: { host: 'web-1' } })]);
    const id = a!.incidentId!;
    await w.store.transaction((tx) => acknowledgeIncident(tx, w.deps, id, 'alice', 'looking'));
    await expect(w.store.transaction((tx) => acknowledgeIncident(tx, w.deps, id, 'bob'))).rejects.toThrow(
      /already acknowledged/,
    );
    await w.store.transaction((tx) => resolveIncident(tx, w.deps, id, 'alice', 'restarted nginx'));
    expect(w.hooks.settled).toEqual([`${id} acknowledged`, `${id} resolved`]);
    const messages = (await incidentTimeline(w.store.db, id)).map((t) => t.message);
    expect(messages).toContain('acknowledged by alice: looking');
    expect(messages).toContain('resolved by alice: restarted nginx');
  });

  it('queues every stored event for the rules in the same transaction, and nothing when it rolls back', async () => {
    const w = await world(ctx().store);
    const out = await w.ingest([alert('q1', { labels: { host: 'web-1' } }), alert('q2')]);
    const queued = await w.store.db
      .selectFrom('rule_queue')
      .select(['event_id', 'incident_id'])
      .orderBy('id')
      .execute();
    expect(queued).toEqual(out.map((e) => ({ event_id: e.id, incident_id: e.incidentId })));

    await expect(
      w.store.transaction(async (tx) => {
        await ingestEvents(tx, w.deps, w.source, [alert('q3')]);
        throw new Error('the request failed after ingest');
      }),
    ).rejects.toThrow('the request failed');
    expect(await w.store.db.selectFrom('rule_queue').select('id').execute()).toHaveLength(2);
    expect((await listEvents(w.store.db, { limit: 10, fingerprint: 'q3' })).events).toEqual([]);
    expect(
      await w.store.db.selectFrom('alerts').select('fingerprint').where('fingerprint', '=', 'q3').execute(),
    ).toEqual([]);
  });

  it('links a run once and appends to the timeline for the rules and on-call', async () => {
    const w = await world(ctx().store);
    const [a] = await w.ingest([alert('l', { labels: { host: 'web-1' } })]);
    const id = a!.incidentId!;
    await w.store.transaction(async (tx) => {
      await linkRun(tx, id, 'run-1', 'restart-web', T0);
      await linkRun(tx, id, 'run-1', 'restart-web', T0);
      await appendTimeline(tx, id, {
        type: 'rule.run_finished',
        message: 'run-1 succeeded',
        actor: 'rule:restart-web',
        runId: 'run-1',
        at: T0 + MIN,
      });
    });
    expect(await w.store.db.selectFrom('incident_runs').selectAll().execute()).toEqual([
      { incident_id: id, run_id: 'run-1', rule: 'restart-web', created_at: T0 },
    ]);
    const tail = (await incidentTimeline(w.store.db, id)).slice(-2);
    expect(tail.map((t) => [t.type, t.runId, t.at])).toEqual([
      ['run.linked', 'run-1', T0],
      ['rule.run_finished', 'run-1', T0 + MIN],
    ]);
  });

  it('opens one incident for a group even when two of its alerts arrive at once', async () => {
    const w = await world(ctx().store);
    const groupKey = 'g-race';
    await Promise.all([
      w.ingest([alert('r1', { groupKey, labels: { host: 'web-1' } })]),
      w.ingest([alert('r2', { groupKey, labels: { host: 'edge-web' } })]),
      w.ingest([alert('r1', { groupKey, labels: { host: 'web-1' } })]),
    ]);
    const open = await incidents(w.store);
    expect(open).toHaveLength(1);
    const alerts = await w.store.db
      .selectFrom('alerts')
      .select(['fingerprint', 'incident_id', 'count'])
      .orderBy('fingerprint')
      .execute();
    expect(alerts).toEqual([
      { fingerprint: 'r1', incident_id: open[0]!.id, count: 2 },
      { fingerprint: 'r2', incident_id: open[0]!.id, count: 1 },
    ]);
  });
});
