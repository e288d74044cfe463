/**
 * graphile-worker doing the workloads as plain jobs, in its own fresh database. Handlers are
 * no-ops; a job counts as done on `job:complete`, which graphile-worker emits once the job's
 * completion has been written to the database.
 */
import { EventEmitter } from 'node:events';
import { Logger, makeWorkerUtils, run, type Runner, type TaskList, type WorkerEvents } from 'graphile-worker';
import pg from 'pg';
import { createDatabase } from '../postgres.ts';
import { packageVersion } from './package-version.ts';
import { now, round, withTimeout } from '../stats.ts';
import { Completions, setW2, setW3, type Sizes, type TargetResult } from '../workloads.ts';

/** Concurrency of the W1 drain: 10, as the brief's reference figure (graphile-worker's own default is 1). */
const W1_CONCURRENCY = 10;
/** The same pool of workers serves W2 and W3, as a deployed worker would. */
const CONCURRENCY = 10;
const ADD_BATCH = 1_000;

const silent = new Logger(() => () => undefined);

interface ChainPayload {
  chain: string;
  n: number;
}

export async function benchGraphile(sizes: Sizes, only = new Set(['w1', 'w2', 'w3'])): Promise<TargetResult> {
  const result: TargetResult = {
    target: 'graphile',
    label: 'graphile-worker',
    version: packageVersion('graphile-worker'),
    settings: { 'w1 concurrency': W1_CONCURRENCY, 'w2/w3 concurrency': CONCURRENCY, pollInterval: 2000 },
    notes: [
      'jobs added with WorkerUtils (addJobs in batches of 1,000 for W1); LISTEN/NOTIFY wakes the worker',
      'W3: each handler adds the next job of its chain (helpers.addJob) before it returns',
    ],
  };
  const db = await createDatabase('graphile');
  // Our own pool: we end it before dropping the database, and its idle connections' errors are
  // handled (graphile-worker's pool from a connection string outlives runner.stop()).
  const pool = new pg.Pool({ connectionString: db.url, max: 10 });
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  const utils = await makeWorkerUtils({ pgPool: pool, logger: silent });
  const completions = new Completions();
  const events: WorkerEvents = new EventEmitter();
  let firstInvokeAt: number | undefined;
  let invokedAt: number | undefined;
  let failures = 0;
  const chainSteps = sizes.w3.steps;
  events.on('job:complete', ({ job, error }) => {
    const t = now();
    if (error) failures++;
    const key = job.task_identifier === 'chain' ? (job.payload as ChainPayload).chain : job.id;
    completions.record(key, t);
  });
  const taskList: TaskList = {
    noop: () => {
      const t = now();
      firstInvokeAt ??= t;
      invokedAt = t;
    },
    chain: async (payload, helpers) => {
      const p = payload as ChainPayload;
      if (p.n < chainSteps) await helpers.addJob('chain', { chain: p.chain, n: p.n + 1 });
    },
  };
  const start = (concurrency: number): Promise<Runner> =>
    run({ pgPool: pool, concurrency, taskList, events, logger: silent, noHandleSignals: true });
  try {
    await utils.migrate();
    if (only.has('w1')) {
      const total = sizes.w1.runs * sizes.w1.stepsPerRun;
      const t0 = now();
      for (let i = 0; i < total; i += ADD_BATCH) {
        const n = Math.min(ADD_BATCH, total - i);
        await utils.addJobs(Array.from({ length: n }, () => ({ identifier: 'noop', payload: {} })));
      }
      const enqueueSeconds = (now() - t0) / 1000;
      completions.reset();
      firstInvokeAt = undefined;
      const runner = await start(W1_CONCURRENCY);
      await withTimeout(
        `graphile-worker W1 drain of ${total} jobs`,
        new Promise<void>((resolve) => {
          const check = setInterval(() => {
            if (completions.total >= total) {
              clearInterval(check);
              resolve();
            }
          }, 5);
        }),
        600_000,
      );
      const seconds = (completions.lastAt - firstInvokeAt!) / 1000;
      await runner.stop();
      const drain = {
        steps: total,
        seconds: round(seconds),
        perSec: round(total / seconds, 1),
        setting: `concurrency ${W1_CONCURRENCY}`,
        enqueueSeconds: round(enqueueSeconds),
      };
      result.w1 = { ...drain, tries: [drain] };
    }
    const runner = await start(CONCURRENCY);
    try {
      if (only.has('w2')) {
        const samples: number[] = [];
        for (let i = 0; i < sizes.w2.warmup + sizes.w2.runs; i++) {
          invokedAt = undefined;
          const t0 = now();
          const job = await utils.addJob('noop', {});
          await withTimeout(`graphile-worker W2 job ${i}`, completions.waitFor(job.id, 1), 30_000);
          if (invokedAt === undefined) throw new Error('W2: the handler was not invoked');
          if (i >= sizes.w2.warmup) samples.push(invokedAt - t0);
        }
        setW2(result, samples);
      }
      if (only.has('w3')) {
        const perRun: number[] = [];
        for (let i = 0; i < sizes.w3.warmup + sizes.w3.runs; i++) {
          const chain = `c${i}`;
          const t0 = now();
          await utils.addJob('chain', { chain, n: 1 } satisfies ChainPayload);
          const t1 = await withTimeout(
            `graphile-worker W3 chain ${i}`,
            completions.waitFor(chain, chainSteps),
            30_000,
          );
          if (i >= sizes.w3.warmup) perRun.push(t1 - t0);
        }
        setW3(result, perRun, chainSteps);
      }
    } finally {
      await runner.stop();
    }
    if (failures > 0) throw new Error(`${failures} graphile-worker jobs failed`);
  } finally {
    await utils.release();
    await pool.end();
    await db.drop();
  }
  return result;
}
