/**
 * DBOS Transact doing the workloads as workflows of no-op steps, its system database in a fresh
 * database. DBOS runs workflows in the process that starts them: W2 and W3 start each workflow
 * with `DBOS.startWorkflow` (no queue) and wait on its handle; W1 queues 20,000 one-step
 * workflows on a queue that does not exist yet, then registers it so the queue runner drains it.
 *
 * DBOS is a process-wide singleton: this module launches it once and shuts it down at the end,
 * so the benchmark runs each peer in a process of its own.
 */
import { DBOS } from '@dbos-inc/dbos-sdk';
import pg from 'pg';
import { createDatabase } from '../postgres.ts';
import { packageVersion } from './package-version.ts';
import { forEachLimit, now, round, sleep, withTimeout } from '../stats.ts';
import { setW2, setW3, type DrainResult, type Sizes, type TargetResult } from '../workloads.ts';

/** Queue settings tried for W1 (each on its own queue), best reported. */
const W1_QUEUES: { name: string; params: { workerConcurrency?: number; minPollingIntervalMs?: number } }[] = [
  // workerConcurrency 10 drains at ~300/s here (a poll claims at most 10), so 100 instead.
  { name: 'w1_c100', params: { workerConcurrency: 100, minPollingIntervalMs: 10 } },
  { name: 'w1_unlimited', params: {} },
];
/** Workflows enqueued at once while queueing W1. */
const ENQUEUE_LANES = 8;

const describeQueue = (p: (typeof W1_QUEUES)[number]['params']): string =>
  [
    p.workerConcurrency === undefined ? 'no concurrency limit' : `workerConcurrency ${p.workerConcurrency}`,
    `minPollingIntervalMs ${p.minPollingIntervalMs ?? 1000}`,
  ].join(', ');

export async function benchDbos(sizes: Sizes, only = new Set(['w1', 'w2', 'w3'])): Promise<TargetResult> {
  const result: TargetResult = {
    target: 'dbos',
    label: 'DBOS Transact',
    version: packageVersion('@dbos-inc/dbos-sdk'),
    settings: { 'w2/w3': 'DBOS.startWorkflow (no queue), in-process', 'system db pool': 'default' },
    notes: [
      'W1: one-step workflows enqueued by name (DBOS.enqueueWorkflowWithOptions) before their queue was registered; drained by the queue runner',
      'completion = the workflow’s status is SUCCESS in the system database (W1) / its handle’s getResult() resolved (W2, W3)',
    ],
  };
  const db = await createDatabase('dbos');
  const steps = sizes.w3.steps;
  let firstInvokeAt: number | undefined;
  let invokedAt: number | undefined;
  let returned = 0;
  const noop = DBOS.registerStep(
    () => {
      const t = now();
      firstInvokeAt ??= t;
      invokedAt = t;
      return Promise.resolve();
    },
    { name: 'noop' },
  );
  const oneStep = DBOS.registerWorkflow(
    async () => {
      await noop();
      returned++;
    },
    { name: 'one_step' },
  );
  const chain = DBOS.registerWorkflow(
    async () => {
      for (let i = 0; i < steps; i++) await noop();
    },
    { name: 'chain' },
  );
  DBOS.setConfig({ name: 'tandem-bench', systemDatabaseUrl: db.url, logLevel: 'warn' });
  const probe = new pg.Client({ connectionString: db.url });
  try {
    await DBOS.launch();
    await probe.connect();
    const succeeded = async (queue: string) =>
      Number(
        (
          await probe.query<{ n: string }>(
            `select count(*) as n from dbos.workflow_status where queue_name = $1 and status = 'SUCCESS'`,
            [queue],
          )
        ).rows[0]!.n,
      );
    // W2 and W3 first: W1 leaves 40,000 finished workflows in the system database's tables.
    if (only.has('w2')) {
      const samples: number[] = [];
      for (let i = 0; i < sizes.w2.warmup + sizes.w2.runs; i++) {
        invokedAt = undefined;
        const t0 = now();
        const handle = await DBOS.startWorkflow(oneStep)();
        await withTimeout(`DBOS W2 workflow ${i}`, handle.getResult(), 30_000);
        if (invokedAt === undefined) throw new Error('W2: the handler was not invoked');
        if (i >= sizes.w2.warmup) samples.push(invokedAt - t0);
      }
      setW2(result, samples);
    }
    if (only.has('w3')) {
      const perRun: number[] = [];
      for (let i = 0; i < sizes.w3.warmup + sizes.w3.runs; i++) {
        const t0 = now();
        const handle = await DBOS.startWorkflow(chain)();
        await withTimeout(`DBOS W3 workflow ${i}`, handle.getResult(), 30_000);
        if (i >= sizes.w3.warmup) perRun.push(now() - t0);
      }
      setW3(result, perRun, steps);
    }
    if (only.has('w1')) {
      const tries: DrainResult[] = [];
      const total = sizes.w1.runs * sizes.w1.stepsPerRun;
      for (const q of W1_QUEUES) {
        const t0 = now();
        await forEachLimit(total, ENQUEUE_LANES, async () => {
          await DBOS.enqueueWorkflowWithOptions({ queueName: q.name, workflowName: 'one_step' });
        });
        const enqueueSeconds = (now() - t0) / 1000;
        firstInvokeAt = undefined;
        returned = 0;
        await DBOS.registerQueue(q.name, q.params);
        await withTimeout(
          `DBOS W1 drain of ${total} workflows (${q.name})`,
          (async () => {
            while (returned < total) await sleep(5);
            while ((await succeeded(q.name)) < total) await sleep(5);
          })(),
          600_000,
        );
        const seconds = (now() - firstInvokeAt!) / 1000;
        // Its runner would otherwise keep polling the drained queue during what follows.
        await DBOS.deleteQueue(q.name);
        tries.push({
          steps: total,
          seconds: round(seconds),
          perSec: round(total / seconds, 1),
          setting: describeQueue(q.params),
          enqueueSeconds: round(enqueueSeconds),
        });
      }
      tries.sort((a, b) => b.perSec - a.perSec);
      result.w1 = { ...tries[0]!, tries };
    }
  } finally {
    await probe.end().catch(() => undefined);
    await DBOS.shutdown().catch(() => undefined);
    await db.drop();
  }
  return result;
}
