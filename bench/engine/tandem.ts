/**
 * Our engine, in-process as `tandem server` runs it: the engine, its timer loop and the embedded
 * agent, on SQLite or on PostgreSQL, with a no-op executor (no process is spawned). Completions
 * are observed when the agent's `complete` call returns, i.e. when the step's result (and, for a
 * run's last step, the run's end) has been committed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAgentLoop } from '../../src/agent/agent-loop.ts';
import type { AgentApi } from '../../src/agent/api.ts';
import { inProcessAgentApi } from '../../src/agent/in-process-api.ts';
import { silentLogger, type EngineDeps } from '../../src/engine/deps.ts';
import { Engine } from '../../src/engine/engine.ts';
import { runTimerLoop } from '../../src/engine/timer-loop.ts';
import { openStore, uuidv7, type Store } from '../../src/store/index.ts';
import { VERSION } from '../../src/version.ts';
import { createDatabase, type BenchDatabase } from './postgres.ts';
import { forEachLimit, now, round, withTimeout } from './stats.ts';
import { Completions, setW2, setW3, type DrainResult, type Sizes, type TargetResult } from './workloads.ts';

export type StoreKind = 'sqlite' | 'postgres';

/** The embedded agent's capacity in `tandem server` (src/server/server.ts); W2 and W3 use it. */
const SERVER_CAPACITY = 16;
/** Runs started at once while queueing W1 (the PostgreSQL pool holds 10 connections). */
const START_LANES = 8;

const yamlRunbook = (name: string, steps: string[]): string =>
  [
    'apiVersion: tandem/v1',
    'kind: Runbook',
    'metadata:',
    `  name: ${name}`,
    'spec:',
    '  steps:',
    ...steps,
    '',
  ].join('\n');

/** `n` independent steps. */
const parallelRunbook = (name: string, n: number): string =>
  yamlRunbook(
    name,
    Array.from({ length: n }, (_, i) => `    - id: s${i + 1}\n      shell: "true"`),
  );

/** `n` steps, each needing the one before. */
const chainRunbook = (name: string, n: number): string =>
  yamlRunbook(
    name,
    Array.from(
      { length: n },
      (_, i) => `    - id: s${i + 1}\n${i === 0 ? '' : `      needs: [s${i}]\n`}      shell: "true"`,
    ),
  );

/** Where fresh stores come from: a temp folder per SQLite store, a schema per PostgreSQL one. */
interface StoreFactory {
  open(): Promise<Store>;
  cleanup(): Promise<void>;
}

async function storeFactory(kind: StoreKind): Promise<StoreFactory> {
  const dirs: string[] = [];
  const dataDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tandem-bench-'));
    dirs.push(dir);
    return dir;
  };
  let db: BenchDatabase | undefined;
  if (kind === 'postgres') db = await createDatabase('tandem');
  let schemas = 0;
  return {
    async open() {
      if (!db) return openStore({ dataDir: await dataDir() });
      return openStore({ databaseUrl: db.url, schema: `s${++schemas}`, dataDir: await dataDir() });
    },
    async cleanup() {
      await db?.drop();
      for (const dir of dirs) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** An engine on a store, with its timer loop; the agent starts and stops separately. */
class Harness {
  readonly deps: EngineDeps;
  readonly engine: Engine;
  readonly completions = new Completions();
  /** When the executor was first invoked since the last `resetCounters`. */
  firstInvokeAt: number | undefined;
  refused = 0;
  onInvoke: ((runId: string, t: number) => void) | undefined;
  readonly #stop = new AbortController();
  readonly #timerLoop: Promise<void>;
  #agent: { stop: AbortController; loop: Promise<void>; close: () => Promise<void> } | undefined;

  constructor(readonly store: Store) {
    this.deps = { store, clock: Date.now, newId: uuidv7, log: silentLogger, leaseMs: 30_000 };
    this.engine = new Engine(this.deps);
    this.#timerLoop = runTimerLoop(this.deps, this.#stop.signal);
  }

  resetCounters(): void {
    this.completions.reset();
    this.firstInvokeAt = undefined;
    this.refused = 0;
  }

  async startAgent(capacity: number): Promise<void> {
    if (this.#agent) throw new Error('the agent already runs');
    const local = await inProcessAgentApi(this.deps, { id: 'bench', site: 'local', labels: [] });
    const api: AgentApi = {
      claim: (max, waitMs, signal) => local.api.claim(max, waitMs, signal),
      heartbeat: (leases) => local.api.heartbeat(leases),
      appendLogs: (chunks) => local.api.appendLogs(chunks),
      complete: async (results, claimMore) => {
        const res = await local.api.complete(results, claimMore);
        const t = now();
        this.refused += res.refused.length;
        const refused = new Set(res.refused.map((r) => `${r.runId}/${r.key}/${r.attempt}`));
        for (const r of results)
          if (!refused.has(`${r.runId}/${r.key}/${r.attempt}`)) this.completions.record(r.runId, t);
        return res;
      },
    };
    const stop = new AbortController();
    const loop = runAgentLoop({
      api,
      capacity,
      signal: stop.signal,
      log: silentLogger,
      heartbeatMs: 10_000,
      executor: (step) => {
        const t = now();
        this.firstInvokeAt ??= t;
        this.onInvoke?.(step.runId, t);
        return Promise.resolve({ ok: true });
      },
    });
    this.#agent = { stop, loop, close: local.close };
  }

  async stopAgent(): Promise<void> {
    const agent = this.#agent;
    if (!agent) return;
    this.#agent = undefined;
    agent.stop.abort();
    await agent.loop;
    await agent.close();
  }

  async close(): Promise<void> {
    await this.stopAgent();
    this.#stop.abort();
    await this.#timerLoop;
    await this.store.close();
  }

  async succeededRuns(): Promise<number> {
    const row = await this.store.db
      .selectFrom('runs')
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .where('status', '=', 'succeeded')
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}

async function drain(factory: StoreFactory, sizes: Sizes, capacity: number): Promise<DrainResult> {
  const h = new Harness(await factory.open());
  try {
    const { runs, stepsPerRun } = sizes.w1;
    await h.engine.applyRunbook(parallelRunbook('w1', stepsPerRun), null);
    const t0 = now();
    await forEachLimit(runs, START_LANES, async () => {
      await h.engine.startRun({ runbook: 'w1', inputs: {}, actor: null });
    });
    const enqueueSeconds = (now() - t0) / 1000;
    h.resetCounters();
    const total = runs * stepsPerRun;
    const done = new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (h.completions.total >= total) {
          clearInterval(check);
          resolve();
        }
      }, 5);
    });
    await h.startAgent(capacity);
    await withTimeout(`W1 drain of ${total} steps`, done, 600_000);
    const seconds = (h.completions.lastAt - h.firstInvokeAt!) / 1000;
    await h.stopAgent();
    const succeeded = await h.succeededRuns();
    if (succeeded !== runs) throw new Error(`W1: ${succeeded} of ${runs} runs succeeded`);
    if (h.refused > 0) throw new Error(`W1: ${h.refused} results refused`);
    return {
      steps: total,
      seconds: round(seconds),
      perSec: round(total / seconds, 1),
      setting: `agent capacity ${capacity}`,
      enqueueSeconds: round(enqueueSeconds),
    };
  } finally {
    await h.close();
  }
}

async function pickup(factory: StoreFactory, sizes: Sizes): Promise<number[]> {
  const h = new Harness(await factory.open());
  try {
    await h.engine.applyRunbook(parallelRunbook('w2', 1), null);
    await h.startAgent(SERVER_CAPACITY);
    const samples: number[] = [];
    let invokedAt: number | undefined;
    h.onInvoke = (_runId, t) => (invokedAt = t);
    for (let i = 0; i < sizes.w2.warmup + sizes.w2.runs; i++) {
      invokedAt = undefined;
      const t0 = now();
      const { id } = await h.engine.startRun({ runbook: 'w2', inputs: {}, actor: null });
      await withTimeout(`W2 run ${i}`, h.completions.waitFor(id, 1), 30_000);
      if (invokedAt === undefined) throw new Error('W2: the executor was not invoked');
      if (i >= sizes.w2.warmup) samples.push(invokedAt - t0);
    }
    return samples;
  } finally {
    await h.close();
  }
}

async function chain(factory: StoreFactory, sizes: Sizes): Promise<number[]> {
  const h = new Harness(await factory.open());
  try {
    const { steps } = sizes.w3;
    await h.engine.applyRunbook(chainRunbook('w3', steps), null);
    await h.startAgent(SERVER_CAPACITY);
    const perRun: number[] = [];
    for (let i = 0; i < sizes.w3.warmup + sizes.w3.runs; i++) {
      const t0 = now();
      const { id } = await h.engine.startRun({ runbook: 'w3', inputs: {}, actor: null });
      const t1 = await withTimeout(`W3 run ${i}`, h.completions.waitFor(id, steps), 30_000);
      if (i >= sizes.w3.warmup) perRun.push(t1 - t0);
    }
    const run = await h.engine.getRun(
      (await h.store.db.selectFrom('runs').select('id').executeTakeFirstOrThrow()).id,
    );
    if (run?.status !== 'succeeded') throw new Error(`W3: a run ended ${run?.status ?? 'missing'}`);
    return perRun;
  } finally {
    await h.close();
  }
}

export async function benchTandem(
  kind: StoreKind,
  sizes: Sizes,
  opts: { capacities: number[]; only?: ('w1' | 'w2' | 'w3')[] },
): Promise<TargetResult> {
  const result: TargetResult = {
    target: kind === 'sqlite' ? 'sqlite' : 'pg',
    label: `tandem (${kind === 'sqlite' ? 'SQLite' : 'PostgreSQL'})`,
    version: VERSION,
    settings: {
      'w2/w3 agent capacity': SERVER_CAPACITY,
      'lease ms': 30_000,
      ...(kind === 'sqlite'
        ? { 'sqlite synchronous': process.env.TANDEM_SQLITE_SYNC ?? 'NORMAL (default)' }
        : {}),
      ...(kind === 'postgres' ? { 'pg pool max': process.env.TANDEM_PG_POOL_MAX ?? 10 } : {}),
    },
    notes: [
      'embedded agent in-process with a no-op executor; the timer loop runs as in `tandem server`',
      'completion = the agent’s complete() call returned (result and run state committed)',
    ],
  };
  const only = new Set(opts.only ?? ['w1', 'w2', 'w3']);
  const factory = await storeFactory(kind);
  try {
    if (only.has('w1')) {
      const tries: DrainResult[] = [];
      for (const capacity of opts.capacities) tries.push(await drain(factory, sizes, capacity));
      tries.sort((a, b) => b.perSec - a.perSec);
      result.w1 = { ...tries[0]!, tries };
    }
    if (only.has('w2')) setW2(result, await pickup(factory, sizes));
    if (only.has('w3')) setW3(result, await chain(factory, sizes), sizes.w3.steps);
  } finally {
    await factory.cleanup();
  }
  return result;
}
