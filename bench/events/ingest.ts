/**
 * Alert ingest over real HTTP: a `tandem server` process (bench/agents/server-process.ts) on a
 * fresh SQLite folder or PostgreSQL schema, an Alertmanager source, an estate of hosts, and
 * Alertmanager webhook payloads posted by a pool of concurrent senders. Each phase sends new
 * fingerprints (or, for `repeat`, the single phase's again), and the events stored are counted in
 * the store afterwards: accepted means stored.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { startServerProcess, type ServerProcess } from '../agents/server-process.ts';
import { benchPgUrl } from '../engine/postgres.ts';
import { forEachLimit, now, round, summarize, type LatencySummary } from '../engine/stats.ts';

export type StoreKind = 'sqlite' | 'pg';

export interface IngestSizes {
  /** Distinct fingerprints per phase (the figure: 10,000). */
  fingerprints: number;
  /** Hosts in the estate the alerts are about (each alert names one by `instance`). */
  hosts: number;
  /** Alerts per request in the batch phase (an Alertmanager group notification). */
  batch: number;
  /** Requests in flight at once (Alertmanager notifies groups in parallel). */
  concurrency: number;
  warmup: number;
}

export interface PhaseResult {
  phase: 'single' | 'batch' | 'repeat';
  requests: number;
  events: number;
  seconds: number;
  eventsPerSec: number;
  /** Per request, from sending to the 200 answer (the events are committed then). */
  latencyMs: LatencySummary;
  /** What the store said became of the events (opened, joined, updated…). */
  outcomes: Record<string, number>;
}

export interface IngestResult {
  store: StoreKind;
  sizes: IngestSizes;
  phases: PhaseResult[];
  /** Events counted in the store at the end, against those answered 200. */
  stored: number;
  answered: number;
  serverOutput?: string;
}

interface Alert {
  fingerprint: string;
  host: string;
}

/**
 * A fresh schema `bench_events_<random>` (the agents benchmark's helper would drop its own
 * schemas of a run going on beside this one, so events have a prefix of their own).
 */
export async function createSchema(): Promise<{ name: string; drop: () => Promise<void> }> {
  const name = `bench_events_${randomBytes(4).toString('hex')}`;
  const admin = async (text: string) => {
    const client = new pg.Client({ connectionString: benchPgUrl });
    await client.connect();
    try {
      await client.query(text);
    } finally {
      await client.end();
    }
  };
  await admin(`create schema "${name}"`);
  return { name, drop: () => admin(`drop schema if exists "${name}" cascade`) };
}

const hostName = (i: number) => `host-${String(i).padStart(5, '0')}`;

function estateBody(hosts: number): unknown {
  return {
    apiVersion: 'tandem/v1',
    kind: 'Estate',
    metadata: { source: 'bench-events' },
    spec: {
      resources: Array.from({ length: hosts }, (_, i) => ({
        kind: 'host',
        name: hostName(i),
        site: `site-${String(i % 20).padStart(2, '0')}`,
        labels: { role: i % 3 === 0 ? 'db' : 'web' },
      })),
    },
  };
}

/** An Alertmanager webhook payload (version 4) of `alerts`, grouped by instance as usual. */
function payload(alerts: Alert[], startsAt: string): string {
  const instance = `${alerts[0]!.host}:9100`;
  return JSON.stringify({
    version: '4',
    groupKey: `{}:{instance="${instance}"}`,
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'tandem',
    groupLabels: { instance },
    commonLabels: { instance },
    commonAnnotations: {},
    externalURL: 'http://alertmanager.bench:9093',
    alerts: alerts.map((a) => ({
      status: 'firing',
      labels: {
        alertname: `Bench${a.fingerprint.slice(-3)}`,
        instance: `${a.host}:9100`,
        job: 'node',
        severity: 'warning',
      },
      annotations: { summary: `bench alert ${a.fingerprint} on ${a.host}` },
      startsAt,
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus.bench:9090/graph',
      fingerprint: a.fingerprint,
    })),
  });
}

class Sender {
  constructor(
    private readonly url: string,
    private readonly token: string,
  ) {}

  async post(body: string): Promise<{ ms: number; outcomes: string[] }> {
    const t = now();
    const res = await fetch(`${this.url}/api/v1/events/alertmanager/bench`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.token}` },
      body,
    });
    const text = await res.text();
    const ms = now() - t;
    if (res.status !== 200) throw new Error(`ingest answered ${res.status}: ${text.slice(0, 300)}`);
    const answer = JSON.parse(text) as { events: { outcome: string }[] };
    return { ms, outcomes: answer.events.map((e) => e.outcome) };
  }
}

/** Alerts `from`…`from + n` spread over the hosts, several per host so groups form. */
function alertsOf(from: number, n: number, hosts: number, tag: string): Alert[] {
  return Array.from({ length: n }, (_, k) => {
    const i = from + k;
    return { fingerprint: `${tag}-${String(i).padStart(6, '0')}`, host: hostName(i % hosts) };
  });
}

async function phase(
  sender: Sender,
  name: PhaseResult['phase'],
  requests: Alert[][],
  concurrency: number,
): Promise<PhaseResult> {
  const samples: number[] = [];
  const outcomes: Record<string, number> = {};
  const startsAt = new Date().toISOString();
  const start = now();
  await forEachLimit(requests.length, concurrency, async (i) => {
    const r = await sender.post(payload(requests[i]!, startsAt));
    samples.push(r.ms);
    for (const o of r.outcomes) outcomes[o] = (outcomes[o] ?? 0) + 1;
  });
  const seconds = (now() - start) / 1000;
  const events = requests.reduce((n, r) => n + r.length, 0);
  return {
    phase: name,
    requests: requests.length,
    events,
    seconds: round(seconds),
    eventsPerSec: round(events / seconds, 1),
    latencyMs: summarize(samples),
    outcomes,
  };
}

const chunk = <T>(list: T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(list.length / size) }, (_, i) => list.slice(i * size, (i + 1) * size));

async function countEvents(kind: StoreKind, where: { dataDir: string; schema?: string }): Promise<number> {
  if (kind === 'sqlite') {
    const db = new Database(join(where.dataDir, 'tandem.db'), { readonly: true });
    try {
      return (db.prepare('select count(*) as n from events').get() as { n: number }).n;
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: benchPgUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(`select count(*) as n from "${where.schema!}".events`);
    return Number(rows[0]!.n);
  } finally {
    await client.end();
  }
}

/** The three ingest phases against one store, on one server. */
export async function runIngest(
  kind: StoreKind,
  sizes: IngestSizes,
  log: (line: string) => void,
): Promise<IngestResult> {
  const dataDir = await mkdtemp(join(tmpdir(), `tandem-bench-events-${kind}-`));
  const schema = kind === 'pg' ? await createSchema() : undefined;
  let server: ServerProcess | undefined;
  try {
    server = await startServerProcess({ dataDir, ...(schema ? { pgSchema: schema.name } : {}) });
    const admin = { 'content-type': 'application/json', authorization: `Bearer ${server.adminToken}` };
    const applied = await fetch(`${server.url}/api/v1/estate/apply`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify(estateBody(sizes.hosts)),
    });
    if (!applied.ok) throw new Error(`estate apply answered ${applied.status}: ${await applied.text()}`);
    const made = await fetch(`${server.url}/api/v1/events/sources`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ name: 'bench', kind: 'alertmanager' }),
    });
    const { token } = (await made.json()) as { token: string };
    const sender = new Sender(server.url, token);

    const tag = randomBytes(3).toString('hex');
    const warm = alertsOf(0, sizes.warmup, sizes.hosts, `warm-${tag}`);
    await phase(
      sender,
      'single',
      warm.map((a) => [a]),
      sizes.concurrency,
    );

    const phases: PhaseResult[] = [];
    const single = alertsOf(0, sizes.fingerprints, sizes.hosts, `single-${tag}`);
    log(`  ${kind}: single — ${sizes.fingerprints} alerts, one per request, ${sizes.concurrency} in flight`);
    phases.push(
      await phase(
        sender,
        'single',
        single.map((a) => [a]),
        sizes.concurrency,
      ),
    );
    const batch = alertsOf(0, sizes.fingerprints, sizes.hosts, `batch-${tag}`);
    log(`  ${kind}: batch — ${sizes.fingerprints} alerts, ${sizes.batch} per request`);
    // Sorted by host so a request is one Alertmanager group, as it sends them.
    const byHost = [...batch].sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
    phases.push(
      await phase(
        sender,
        'batch',
        chunk(byHost, sizes.batch),
        Math.max(1, Math.floor(sizes.concurrency / 2)),
      ),
    );
    log(`  ${kind}: repeat — the single phase's ${sizes.fingerprints} alerts again (deduplicated)`);
    phases.push(
      await phase(
        sender,
        'repeat',
        single.map((a) => [a]),
        sizes.concurrency,
      ),
    );

    const answered = sizes.warmup + phases.reduce((n, p) => n + p.events, 0);
    const output = server.output();
    await server.stop();
    server = undefined;
    const stored = await countEvents(kind, { dataDir, ...(schema ? { schema: schema.name } : {}) });
    return {
      store: kind,
      sizes,
      phases,
      stored,
      answered,
      ...(output.trim() ? { serverOutput: output } : {}),
    };
  } finally {
    await server?.stop();
    await schema?.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
}
