/**
 * One benchmark run: the in-process baseline's first half, then the server, the agents and the
 * three HTTP phases, then the baseline's second half. Everything it starts is registered with
 * `cleanup`, which kills and removes it even when a phase fails or the run is interrupted.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { now } from '../engine/stats.ts';
import type { StoreKind } from '../engine/tandem.ts';
import { baselineHalf, mergeBaseline, type Baseline } from './baseline.ts';
import type { Flags } from './flags.ts';
import { PgWatch } from './pg-activity.ts';
import { idlePhase, pickupPhase, throughputPhase, type PhaseContext } from './phases.ts';
import type { IdleResult, PickupResult, ThroughputResult } from './phases.ts';
import { sampleProc } from './proc-usage.ts';
import { hotFunctions, type HotFunction } from './profile.ts';
import { createSchema, startServerProcess } from './server-process.ts';
import { Admin, prepare, siteName } from './setup.ts';
import { Simulators, type ClockCheck } from './simulators.ts';

/** Long-poll wait of the simulated agents: what `tandem agent` asks for (src/agent/http-api.ts). */
const CLAIM_WAIT_MS = 25_000;
/** Heartbeat of `tandem agent`: a third of the server's 30 s lease. */
const HEARTBEAT_MS = 10_000;

/** Things to stop and remove, last registered first, even on failure or interruption. */
export class Cleanup {
  readonly #steps: (() => Promise<void> | void)[] = [];
  add(step: () => Promise<void> | void): void {
    this.#steps.push(step);
  }
  async run(): Promise<string[]> {
    const problems: string[] = [];
    while (this.#steps.length > 0) {
      try {
        await this.#steps.pop()!();
      } catch (err: unknown) {
        problems.push(err instanceof Error ? err.message : String(err));
      }
    }
    return problems;
  }
}

export interface RunResult {
  store: StoreKind;
  pgSchema?: string;
  droppedLeftoverSchemas: string[];
  agents: number;
  /** The server's RSS once it answered, before any site or agent existed. */
  serverRssBeforeAgentsMiB: number;
  clock: ClockCheck[];
  idle: IdleResult;
  pickup: PickupResult;
  throughput: ThroughputResult;
  baseline: Baseline;
  serverOutput: string;
  simulatorOutput: string;
  profile?: HotFunction[];
}

export async function runBenchmark(
  f: Flags,
  cleanup: Cleanup,
  log: (l?: string) => void,
): Promise<RunResult> {
  const kind: StoreKind = f.pg ? 'postgres' : 'sqlite';
  const step = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = now();
    process.stdout.write(`${what}… `);
    const r = await fn();
    log(`${((now() - t0) / 1000).toFixed(1)} s`);
    return r;
  };
  const half = Math.ceil(f.baselineRuns / 2);
  const first = await step(`(d) in-process W2, first half (${half} runs)`, () =>
    baselineHalf(kind, half, f.pickupWarmup),
  );
  if (first.error) log(`  failed: ${first.error.split('\n')[0]}`);

  const dir = await mkdtemp(join(tmpdir(), 'tandem-bench-agents-'));
  cleanup.add(() => rm(dir, { recursive: true, force: true }));
  let schema: Awaited<ReturnType<typeof createSchema>> | undefined;
  if (f.pg) {
    schema = await createSchema();
    cleanup.add(schema.drop);
  }
  const profileDir = f.profile ? join(dir, 'profile') : undefined;
  const serverStart = new Date();
  const server = await step(`server on ${kind}`, () =>
    startServerProcess({
      dataDir: join(dir, 'data'),
      ...(schema ? { pgSchema: schema.name } : {}),
      ...(profileDir ? { profileDir } : {}),
    }),
  );
  cleanup.add(() => server.stop());
  const rssBeforeAgents = sampleProc(server.pid)?.rssKiB ?? Number.NaN;
  let pg: PgWatch | undefined;
  if (f.pg) {
    const watch = await PgWatch.open(serverStart);
    cleanup.add(() => watch.close());
    pg = watch;
  }
  const admin = new Admin(server.url, server.adminToken);
  cleanup.add(() => admin.close());
  const total = f.sites * f.agentsPerSite;
  const agents = await step(`${f.sites} sites, ${total} agents enrolled`, () =>
    prepare(admin, f.sites, f.agentsPerSite),
  );
  const sims = Simulators.start(
    { server: server.url, agents, waitMs: CLAIM_WAIT_MS, heartbeatMs: HEARTBEAT_MS },
    f.processes,
  );
  cleanup.add(() => sims.stop());
  // A failure from here on says what the server and the simulators printed.
  let failed = true;
  cleanup.add(() => {
    if (failed) log(`the server printed:\n${server.output()}\nthe simulators printed:\n${sims.output()}`);
  });
  const clock = await sims.clockCheck();
  const ctx: PhaseContext = {
    admin,
    sims,
    serverPid: server.pid,
    sites: Array.from({ length: f.sites }, (_, i) => siteName(i)),
    agentsPerSite: f.agentsPerSite,
    ...(pg ? { pg } : {}),
  };
  const idle = await step(`(a) idle, ${f.idleSeconds} s`, () => idlePhase(ctx, f.idleSeconds));
  const pickup = await step(`(b) pickup, ${f.pickupRuns} runs one at a time`, () =>
    pickupPhase(ctx, f.pickupRuns, f.pickupWarmup),
  );
  const throughput = await step(`(c) throughput, ${f.throughputRuns} runs`, () =>
    throughputPhase(ctx, f.throughputRuns),
  );
  failed = false;
  await sims.stop();
  await server.stop();
  const profile = profileDir ? await hotFunctions(profileDir) : undefined;

  const second = await step(`(d) in-process W2, second half (${half} runs)`, () =>
    baselineHalf(kind, half, f.pickupWarmup),
  );
  if (second.error) log(`  failed: ${second.error.split('\n')[0]}`);
  return {
    store: kind,
    ...(schema ? { pgSchema: schema.name } : {}),
    droppedLeftoverSchemas: schema?.leftovers ?? [],
    agents: total,
    serverRssBeforeAgentsMiB: Math.round(rssBeforeAgents / 102.4) / 10,
    clock,
    idle,
    pickup,
    throughput,
    baseline: await mergeBaseline(kind, [first, second]),
    serverOutput: server.output(),
    simulatorOutput: sims.output(),
    ...(profile ? { profile } : {}),
  };
}
