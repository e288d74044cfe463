/**
 * `tandem server`: the store, the engine's timer loop, the embedded agent of site `local`, and
 * the HTTP API in one process. Any number of replicas may share one PostgreSQL store.
 */
import { hostname } from 'node:os';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errorMessage } from '../core/errors.ts';
import { LOCAL_SITE } from '../core/engine/index.ts';
import { runAgentLoop } from '../agent/agent-loop.ts';
import { inProcessAgentApi } from '../agent/in-process-api.ts';
import { AgentService } from '../engine/agent-service.ts';
import type { EngineDeps, Logger } from '../engine/deps.ts';
import { Engine } from '../engine/engine.ts';
import { runTimerLoop } from '../engine/timer-loop.ts';
import { openStore, upsertEmbeddedAgent, uuidv7, type Store } from '../store/index.ts';
import { ReadySignal } from '../engine/ready-signal.ts';
import { VERSION } from '../version.ts';
import { checkMasterKey, loadMasterKey } from '../secrets/index.ts';
import { buildApp } from './app.ts';
import { publicUrlOf, runNotificationDispatcher } from '../notify/index.ts';
import { runScheduleWorker } from '../schedules/index.ts';
import { runScalingWorker } from '../scaling/index.ts';
import { runRuleWorker } from '../rules/index.ts';
import { runKbIndexer } from '../kb/index.ts';
import { runProbeRollup } from '../slo/index.ts';
import { eventsIncidentPort } from '../rules/events-port.ts';
import { runOncallAndProbes } from '../oncall/background.ts';
import type { RouteEntry } from './access.ts';
import { createLogger } from '../logger.ts';
import { ensureAdmin, Authenticator } from './auth.ts';
import { sessionLimitsFromEnv } from './web-session.ts';

export interface ServerOptions {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl?: string;
  /** A PostgreSQL schema to keep Tandem's tables in (default: from TANDEM_PG_SCHEMA, else public). */
  pgSchema?: string;
  /** Folders of runbooks to apply at start (the shipped examples and catalog). */
  runbooksDirs?: string[];
  /** Steps the embedded agent runs at once. */
  localCapacity?: number;
  leaseMs?: number;
  logLevel?: string;
  /** Serve HTTPS with this certificate and key (PEM). */
  tls?: { cert: string; key: string };
  /** Where the generated first admin token is printed. */
  announce?: (line: string) => void;
}

export interface RunningServer {
  url: string;
  store: Store;
  engine: Engine;
  /** Every API route with the access it declares. */
  routes: RouteEntry[];
  close(): Promise<void>;
}

export async function startServer(o: ServerOptions): Promise<RunningServer> {
  const log = createLogger(o.logLevel ?? process.env.TANDEM_LOG_LEVEL ?? 'info');
  const schema = o.pgSchema ?? process.env.TANDEM_PG_SCHEMA;
  const store = await openStore({
    dataDir: o.dataDir,
    ...(o.databaseUrl ? { databaseUrl: o.databaseUrl } : {}),
    ...(schema ? { schema } : {}),
    log: (msg) => log.info({}, msg),
  });
  const masterKey = await loadMasterKey({ dataDir: o.dataDir, env: process.env });
  if (o.databaseUrl && !process.env.TANDEM_MASTER_KEY)
    log.warn(
      {},
      'secrets use the key file of this data folder: give every replica the same TANDEM_MASTER_KEY',
    );
  await checkMasterKey(store.db, masterKey);
  const leaseMs = o.leaseMs ?? (Number(process.env.TANDEM_LEASE_MS) || 30_000);
  const deps: EngineDeps = { store, clock: Date.now, newId: uuidv7, log, leaseMs, masterKey };
  const engine = new Engine(deps);
  const agents = new AgentService(deps);
  const generated = await ensureAdmin(store, process.env.TANDEM_ADMIN_TOKEN, Date.now());
  if (generated)
    (o.announce ?? console.log)(`Admin token (shown once; export it as TANDEM_TOKEN): ${generated}`);
  for (const dir of o.runbooksDirs ?? []) await applyFolder(engine, dir, log);

  const stop = new AbortController();
  const timerLoop = runTimerLoop(deps, stop.signal).catch((err: unknown) =>
    log.error({ err: errorMessage(err) }, 'timer loop stopped'),
  );
  const scheduleWorker = runScheduleWorker(
    { store, engine, clock: Date.now, log: log.child({ loop: 'schedules' }) },
    stop.signal,
  ).catch((err: unknown) => log.error({ err: errorMessage(err) }, 'schedule worker stopped'));
  const scalingWorker = runScalingWorker(
    { store, engine, clock: Date.now, log: log.child({ loop: 'scaling' }) },
    stop.signal,
  ).catch((err: unknown) => log.error({ err: errorMessage(err) }, 'scaling worker stopped'));
  const kbIndexer = runKbIndexer(
    { store, clock: Date.now, log: log.child({ loop: 'kb' }) },
    stop.signal,
  ).catch((err: unknown) => log.error({ err: errorMessage(err) }, 'knowledge-base indexer stopped'));
  const probeRollup = runProbeRollup(
    { store, clock: Date.now, log: log.child({ loop: 'slo' }) },
    stop.signal,
  ).catch((err: unknown) => log.error({ err: errorMessage(err) }, 'probe roll-up stopped'));
  const ruleWorker = runRuleWorker(
    {
      store,
      engine,
      clock: Date.now,
      newId: uuidv7,
      log: log.child({ loop: 'rules' }),
      incidents: eventsIncidentPort,
    },
    stop.signal,
  ).catch((err: unknown) => log.error({ err: errorMessage(err) }, 'rule worker stopped'));
  const agentId = `local@${hostname()}/${process.pid}`;
  await upsertEmbeddedAgent(store.db, {
    id: agentId,
    name: agentId,
    site: LOCAL_SITE,
    labels: [],
    capacity: o.localCapacity ?? 16,
    version: VERSION,
    facts: null,
    now: Date.now(),
  });
  const local = await inProcessAgentApi(deps, { id: agentId, site: LOCAL_SITE, labels: [] });
  const ready = await ReadySignal.open(store);
  const agentLoop = runAgentLoop({
    api: local.api,
    capacity: o.localCapacity ?? 16,
    signal: stop.signal,
    log: log.child({ agent: agentId }),
    heartbeatMs: Math.floor(deps.leaseMs / 3),
  }).catch((err: unknown) => log.error({ err: errorMessage(err) }, 'embedded agent stopped'));
  const oncallAndProbes = runOncallAndProbes(
    { store, log, clock: Date.now, localAgent: { id: agentId, site: LOCAL_SITE } },
    stop.signal,
  );

  const routes: RouteEntry[] = [];
  const app = await buildApp(
    {
      store,
      engine,
      agents,
      ready,
      auth: new Authenticator(store, Date.now, sessionLimitsFromEnv()),
      log,
      clock: Date.now,
      masterKey,
      routes,
      shutdown: stop.signal,
    },
    o.tls,
  );
  // Everything started so far ends with the server, or when it cannot listen (a port in use):
  // then the process must not linger with its loops running.
  const background = [
    agentLoop,
    timerLoop,
    scheduleWorker,
    scalingWorker,
    ruleWorker,
    kbIndexer,
    probeRollup,
  ];
  const release = async (sender?: Promise<unknown>) => {
    stop.abort();
    await app.close();
    for (const loop of background) await loop;
    await sender;
    await oncallAndProbes;
    await local.close();
    await ready.close();
    await store.close();
  };
  let address: string;
  try {
    address = await app.listen({ port: o.port, host: o.host });
  } catch (err: unknown) {
    await release();
    throw err;
  }
  log.info({ url: address, store: store.dialect.name }, 'tandem server listening');
  const notifySender = runNotificationDispatcher(
    { store, masterKey, log: log.child({ loop: 'notifications' }), publicUrl: publicUrlOf(address) },
    stop.signal,
  ).catch((err: unknown) => log.error({ err: errorMessage(err) }, 'notification sender stopped'));

  let closing: Promise<void> | undefined;
  return {
    url: address,
    store,
    engine,
    routes,
    close() {
      closing ??= release(notifySender);
      return closing;
    },
  };
}

/** Apply every `*.yaml` runbook of a folder; a broken one is logged, not fatal. */
async function applyFolder(engine: Engine, dir: string, log: Logger): Promise<void> {
  let files: string[];
  try {
    files = (await readdir(dir)).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml')).sort();
  } catch {
    return;
  }
  for (const f of files) {
    try {
      const applied = await engine.applyRunbook(await readFile(join(dir, f), 'utf8'), 'system');
      if (applied.created) log.info({ runbook: applied.name, version: applied.version }, 'runbook applied');
    } catch (err: unknown) {
      log.error({ file: f, err: errorMessage(err) }, 'runbook not applied');
    }
  }
}
