/**
 * pg-boss doing the workloads as plain jobs, in its own fresh database.
 *
 * pg-boss 10's `work()` sleeps its polling interval (at least 0.5 s) after every fetch unless
 * `notifyWorker()` is called, and it has no LISTEN/NOTIFY; a 10-step chain would so take ≥ 5 s.
 * The workers here are therefore loops over pg-boss's own `fetch()` and `complete()`: a loop
 * fetches again at once after a job, and when the queue is empty waits for an in-process wake-up
 * (every `send` here gives one, as `notifyWorker` would) or 0.5 s, pg-boss's shortest poll.
 * `work()` as shipped is measured too, for W2 only, on a few samples (see notes).
 */
import PgBoss from 'pg-boss';
import { createDatabase } from '../postgres.ts';
import { packageVersion } from './package-version.ts';
import { now, round, sleep, summarize, withTimeout } from '../stats.ts';
import { Completions, setW2, setW3, type DrainResult, type Sizes, type TargetResult } from '../workloads.ts';

/** pg-boss's minimum polling interval (MIN_POLLING_INTERVAL_MS in its attorney.js). */
const POLL_MS = 500;
/** Worker loops for W2/W3; W1 tries the settings below. */
const CONCURRENCY = 10;
const W1_SETTINGS = [
  { loops: 10, batchSize: 1 },
  { loops: 2, batchSize: 10 },
];
const INSERT_BATCH = 1_000;
/** Samples of W2 through pg-boss's own work(), each costing up to one polling interval. */
const WORK_SAMPLES = 20;

type Handler = (job: PgBoss.Job<Record<string, unknown>>) => Promise<void>;

/** `loops` fetch/complete loops on one queue, woken by `wake()` or every POLL_MS. */
class FetchWorkers {
  readonly #stop = new AbortController();
  readonly #loops: Promise<void>[] = [];
  #wakers = new Set<() => void>();

  constructor(
    boss: PgBoss,
    queue: string,
    opts: { loops: number; batchSize: number },
    handler: Handler,
    onComplete: (job: PgBoss.Job<Record<string, unknown>>, t: number) => void,
  ) {
    const loop = async () => {
      while (!this.#stop.signal.aborted) {
        const jobs = await boss.fetch<Record<string, unknown>>(queue, { batchSize: opts.batchSize });
        if (jobs.length === 0) {
          await this.#idle();
          continue;
        }
        await Promise.all(jobs.map(handler));
        await boss.complete(
          queue,
          jobs.map((j) => j.id),
        );
        const t = now();
        for (const j of jobs) onComplete(j, t);
      }
    };
    for (let i = 0; i < opts.loops; i++) this.#loops.push(loop());
  }

  #idle(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wakers.delete(done);
        this.#stop.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, POLL_MS);
      this.#wakers.add(done);
      this.#stop.signal.addEventListener('abort', done, { once: true });
    });
  }

  wake(): void {
    const wakers = this.#wakers;
    this.#wakers = new Set();
    for (const w of wakers) w();
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    await Promise.all(this.#loops);
  }
}

export async function benchPgBoss(sizes: Sizes, only = new Set(['w1', 'w2', 'w3'])): Promise<TargetResult> {
  const result: TargetResult = {
    target: 'pgboss',
    label: 'pg-boss',
    version: packageVersion('pg-boss'),
    settings: {
      worker: 'fetch()/complete() loops, in-process wake-up on send, else 0.5 s poll',
      'w2/w3 loops': CONCURRENCY,
      'w2/w3 batchSize': 1,
    },
    notes: [
      'pg-boss 10 work() sleeps ≥ 0.5 s after each fetch and has no LISTEN/NOTIFY: the workers are loops over its fetch()/complete()',
      'W1 jobs queued with insert() in batches of 1,000; W3: each handler sends the next job before completing',
    ],
  };
  const db = await createDatabase('pgboss');
  const boss = new PgBoss({ connectionString: db.url });
  let stopping = false;
  boss.on('error', (err) => {
    // Dropping the database at the end ends its last connections; that is not a finding.
    if (!stopping) result.notes.push(`pg-boss error event: ${err.message}`);
  });
  const completions = new Completions();
  let firstInvokeAt: number | undefined;
  let invokedAt: number | undefined;
  const chainSteps = sizes.w3.steps;
  try {
    await boss.start();
    // A queue per workload (and per W1 setting): pg-boss keeps completed jobs in the queue's
    // partition, so a workload never runs on the jobs another one left.
    for (const q of ['pickup', 'chain', 'work', ...W1_SETTINGS.map((_, i) => `drain${i}`)])
      await boss.createQueue(q);
    if (only.has('w1')) {
      const tries: DrainResult[] = [];
      for (const [index, setting] of W1_SETTINGS.entries()) {
        const queue = `drain${index}`;
        const total = sizes.w1.runs * sizes.w1.stepsPerRun;
        const t0 = now();
        for (let i = 0; i < total; i += INSERT_BATCH) {
          const n = Math.min(INSERT_BATCH, total - i);
          await boss.insert(Array.from({ length: n }, () => ({ name: queue, data: {} })));
        }
        const enqueueSeconds = (now() - t0) / 1000;
        completions.reset();
        firstInvokeAt = undefined;
        const workers = new FetchWorkers(
          boss,
          queue,
          setting,
          () => {
            firstInvokeAt ??= now();
            return Promise.resolve();
          },
          (j, t) => completions.record(j.id, t),
        );
        await withTimeout(
          `pg-boss W1 drain of ${total} jobs`,
          (async () => {
            while (completions.total < total) await sleep(5);
          })(),
          600_000,
        );
        const seconds = (completions.lastAt - firstInvokeAt!) / 1000;
        await workers.stop();
        tries.push({
          steps: total,
          seconds: round(seconds),
          perSec: round(total / seconds, 1),
          setting: `${setting.loops} loops × batchSize ${setting.batchSize}`,
          enqueueSeconds: round(enqueueSeconds),
        });
      }
      tries.sort((a, b) => b.perSec - a.perSec);
      result.w1 = { ...tries[0]!, tries };
    }

    const noopWorkers = new FetchWorkers(
      boss,
      'pickup',
      { loops: CONCURRENCY, batchSize: 1 },
      () => {
        invokedAt = now();
        return Promise.resolve();
      },
      (j, t) => completions.record(j.id, t),
    );
    const chainWorkers: FetchWorkers = new FetchWorkers(
      boss,
      'chain',
      { loops: CONCURRENCY, batchSize: 1 },
      async (job) => {
        const n = job.data.n as number;
        if (n < chainSteps) {
          await boss.send('chain', { chain: job.data.chain, n: n + 1 });
          chainWorkers.wake();
        }
      },
      (j, t) => completions.record(j.data.chain as string, t),
    );
    try {
      if (only.has('w2')) {
        const samples: number[] = [];
        for (let i = 0; i < sizes.w2.warmup + sizes.w2.runs; i++) {
          invokedAt = undefined;
          const t0 = now();
          const id = await boss.send('pickup', {});
          noopWorkers.wake();
          await withTimeout(`pg-boss W2 job ${i}`, completions.waitFor(id!, 1), 30_000);
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
          await boss.send('chain', { chain, n: 1 });
          chainWorkers.wake();
          const t1 = await withTimeout(
            `pg-boss W3 chain ${i}`,
            completions.waitFor(chain, chainSteps),
            30_000,
          );
          if (i >= sizes.w3.warmup) perRun.push(t1 - t0);
        }
        setW3(result, perRun, chainSteps);
      }
    } finally {
      await noopWorkers.stop();
      await chainWorkers.stop();
    }

    if (only.has('w1')) {
      // pg-boss's own worker, as shipped: no wake-up, the minimum polling interval. A side figure,
      // measured with the drain so its polling waits do not lengthen every latency round.
      let started = 0;
      let wake: (() => void) | undefined;
      await boss.work('work', { pollingIntervalSeconds: POLL_MS / 1000 }, () => {
        started = now();
        wake?.();
        return Promise.resolve();
      });
      const samples: number[] = [];
      for (let i = 0; i < WORK_SAMPLES; i++) {
        const t0 = now();
        const handled = new Promise<void>((resolve) => (wake = resolve));
        await boss.send('work', {});
        await withTimeout('pg-boss work() pickup', handled, 30_000);
        samples.push(started - t0);
        // Start at a random point of the polling cycle, as an independent caller would.
        await sleep(Math.random() * POLL_MS);
      }
      await boss.offWork('work');
      const s = summarize(samples);
      result.notes.push(
        `W2 through pg-boss's own work() (pollingIntervalSeconds 0.5, no notifyWorker), ${s.n} samples: p50 ${s.p50} ms, p95 ${s.p95} ms`,
      );
    }
  } finally {
    stopping = true;
    await boss.stop({ graceful: false, wait: true }).catch(() => undefined);
    await db.drop();
  }
  return result;
}
