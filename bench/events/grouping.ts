/**
 * Incident grouping with a large estate, in process (no HTTP): 100,000 resources — clusters,
 * hosts that run on them, databases on hosts, services on hosts that depend on databases and on
 * each other — then alerts on clusters open incidents, and alerts on random services are grouped:
 * those whose dependencies reach a failing cluster join its incident, the others open their own.
 *
 * Two figures per alert: the grouping decision alone (resolve the resource from the labels, walk
 * its dependencies, find open incidents on them: read-only, what grows with the estate) and the
 * whole ingest of the alert (the decision plus every write, in one transaction).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResourceSpec } from '../../src/core/estate/index.ts';
import { resourceCandidates, type EventInput } from '../../src/core/events/index.ts';
import {
  createSource,
  dependencyDistances,
  ingestEvents,
  openIncidentsOn,
  resolveResource,
  type IngestDeps,
} from '../../src/events/index.ts';
import { masterKeyOf } from '../../src/secrets/index.ts';
import { applySource, openStore, uuidv7, type Store } from '../../src/store/index.ts';
import { benchPgUrl } from '../engine/postgres.ts';
import { now, round, summarize, type LatencySummary } from '../engine/stats.ts';
import { createSchema, type StoreKind } from './ingest.ts';

export interface GroupingSizes {
  resources: number;
  /** Clusters whose alert opens an incident before the measured alerts. */
  failingClusters: number;
  /** Alerts on random services, grouped one by one. */
  alerts: number;
}

export interface GroupingResult {
  store: StoreKind;
  sizes: GroupingSizes;
  estate: { clusters: number; hosts: number; databases: number; services: number; relations: number };
  /** Seconds to apply the estate (in sources of 10,000). */
  applySeconds: number;
  /** Resolve + dependency walk + open incidents on them, per alert (ms). */
  decisionMs: LatencySummary;
  /** The whole ingest of one alert, decision and writes, one transaction (ms). */
  ingestMs: LatencySummary;
  /** Resources reached by the dependency walk, mean per alert. */
  meanDependencies: number;
  outcomes: Record<string, number>;
}

/** A seeded generator, so every run builds the same estate and sends the same alerts. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** The estate: ½% clusters, 20% hosts, 4½% databases, the rest services. */
export function buildEstate(total: number): { resources: ResourceSpec[]; counts: GroupingResult['estate'] } {
  const rnd = random(42);
  const pick = (n: number) => Math.floor(rnd() * n);
  const clusters = Math.max(1, Math.round(total * 0.005));
  const hosts = Math.round(total * 0.2);
  const databases = Math.round(total * 0.045);
  const services = total - clusters - hosts - databases;
  const name = (p: string, i: number) => `${p}-${String(i).padStart(6, '0')}`;
  const resources: ResourceSpec[] = [];
  let relations = 0;
  const spec = (kind: string, n: string, site: string, rels: ResourceSpec['relations']): ResourceSpec => {
    relations += rels.length;
    return { kind, name: n, site, labels: { env: 'prod' }, properties: {}, relations: rels };
  };
  for (let i = 0; i < clusters; i++) resources.push(spec('cluster', name('cl', i), `site-${i % 20}`, []));
  const hostCluster: number[] = [];
  for (let i = 0; i < hosts; i++) {
    const c = i % clusters;
    hostCluster.push(c);
    resources.push(
      spec('host', name('h', i), `site-${c % 20}`, [
        { type: 'runs_on', kind: 'cluster', name: name('cl', c) },
      ]),
    );
  }
  for (let i = 0; i < databases; i++) {
    const h = pick(hosts);
    resources.push(
      spec('database', name('db', i), `site-${hostCluster[h]! % 20}`, [
        { type: 'runs_on', kind: 'host', name: name('h', h) },
      ]),
    );
  }
  for (let i = 0; i < services; i++) {
    const h = pick(hosts);
    const rels: ResourceSpec['relations'] = [
      { type: 'runs_on', kind: 'host', name: name('h', h) },
      { type: 'depends_on', kind: 'database', name: name('db', pick(databases)) },
    ];
    // One service in ten also calls another service.
    if (i % 10 === 0 && i > 0) rels.push({ type: 'depends_on', kind: 'service', name: name('svc', pick(i)) });
    resources.push(spec('service', name('svc', i), `site-${hostCluster[h]! % 20}`, rels));
  }
  return { resources, counts: { clusters, hosts, databases, services, relations } };
}

const alert = (
  fingerprint: string,
  labels: Record<string, string>,
  severity: EventInput['severity'],
): EventInput => ({
  fingerprint,
  status: 'firing',
  severity,
  summary: `${labels.alertname ?? 'alert'} on ${labels.resource ?? '?'}`,
  description: null,
  labels,
  annotations: {},
  details: null,
  groupKey: null,
  startsAt: null,
  endsAt: null,
  generatorUrl: null,
});

async function openBenchStore(
  kind: StoreKind,
  dataDir: string,
): Promise<{ store: Store; drop: () => Promise<void> }> {
  if (kind === 'sqlite')
    return { store: await openStore({ dataDir, log: () => undefined }), drop: async () => undefined };
  const schema = await createSchema();
  const store = await openStore({
    dataDir,
    databaseUrl: benchPgUrl,
    schema: schema.name,
    log: () => undefined,
  });
  return { store, drop: () => schema.drop() };
}

export async function runGrouping(
  kind: StoreKind,
  sizes: GroupingSizes,
  log: (line: string) => void,
): Promise<GroupingResult> {
  const dataDir = await mkdtemp(join(tmpdir(), `tandem-bench-grouping-${kind}-`));
  const { store, drop } = await openBenchStore(kind, dataDir);
  try {
    const { resources, counts } = buildEstate(sizes.resources);
    log(`  ${kind}: applying an estate of ${resources.length.toLocaleString('en-US')} resources`);
    const applyStart = now();
    for (let i = 0; i < resources.length; i += 10_000) {
      const part = resources.slice(i, i + 10_000);
      await store.transaction((tx) =>
        applySource(tx, { source: `bench-${i / 10_000}`, resources: part, actor: 'bench', now: Date.now() }),
      );
    }
    const applySeconds = round((now() - applyStart) / 1000, 1);

    const deps: IngestDeps = { store, clock: Date.now, newId: uuidv7, autoResolveDefault: true };
    const { source } = await createSource(
      store.db,
      masterKeyOf(Buffer.alloc(32, 7)),
      { name: 'bench', kind: 'alertmanager', auth: 'bearer' },
      { actor: 'bench', now: Date.now() },
    );
    const rnd = random(7);
    const name = (p: string, i: number) => `${p}-${String(i).padStart(6, '0')}`;
    for (let i = 0; i < sizes.failingClusters; i++) {
      const c = Math.floor((i * counts.clusters) / sizes.failingClusters);
      await store.transaction((tx) =>
        ingestEvents(tx, deps, source, [
          alert(
            `cluster-${c}`,
            { alertname: 'ClusterDown', resource: `cluster/${name('cl', c)}` },
            'critical',
          ),
        ]),
      );
    }

    log(
      `  ${kind}: grouping ${sizes.alerts} alerts on random services (${sizes.failingClusters} clusters failing)`,
    );
    const decision: number[] = [];
    const ingest: number[] = [];
    const outcomes: Record<string, number> = {};
    let reached = 0;
    for (let i = 0; i < sizes.alerts; i++) {
      const svc = name('svc', Math.floor(rnd() * counts.services));
      const input = alert(
        `svc-alert-${i}`,
        { alertname: 'HighErrorRate', resource: `service/${svc}` },
        'warning',
      );
      const t0 = now();
      const found = await resolveResource(store.db, resourceCandidates(input.labels));
      const distances = found
        ? await dependencyDistances(store.db, found.resource)
        : new Map<string, number>();
      await openIncidentsOn(store.db, [...distances.keys()]);
      decision.push(now() - t0);
      reached += distances.size;
      const t1 = now();
      const [out] = await store.transaction((tx) => ingestEvents(tx, deps, source, [input]));
      ingest.push(now() - t1);
      outcomes[out!.outcome] = (outcomes[out!.outcome] ?? 0) + 1;
    }
    return {
      store: kind,
      sizes,
      estate: counts,
      applySeconds,
      decisionMs: summarize(decision),
      ingestMs: summarize(ingest),
      meanDependencies: round(reached / Math.max(1, sizes.alerts), 1),
      outcomes,
    };
  } finally {
    await store.close();
    await drop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
