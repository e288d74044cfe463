/**
 * Schedules against a real engine on both stores, with an injected clock: each fire time starts
 * one run however many replicas handle it, missed fires follow the schedule's policy, and the
 * worker loop starts runs on a live clock.
 */
import { afterEach, expect, it } from 'vitest';
import { describeEachStore } from '../support/stores.ts';
import { startTestEngine, yamlRunbook, type TestEngine } from '../support/engine.ts';
import { silentLogger } from '../../src/engine/deps.ts';
import { parseSchedule } from '../../src/core/schedules/index.ts';
import { runbookHash } from '../../src/core/runbook/index.ts';
import {
  applySchedule,
  findSchedule,
  fireSchedule,
  listFires,
  runScheduleWorker,
  type ScheduleWorkerDeps,
} from '../../src/schedules/index.ts';
import { listRuns, type Store } from '../../src/store/index.ts';

const T0 = Date.UTC(2025, 0, 1, 3, 30);
const H = 3_600_000;

const scheduleYaml = (spec: string) => `apiVersion: tandem/v1
kind: Schedule
metadata: { name: hourly-report }
spec:
  runbook: report
${spec}`;

let engine: TestEngine | undefined;
afterEach(async () => {
  await engine?.stop();
  engine = undefined;
});

async function setUp(store: Store, spec: string, at = T0) {
  engine = await startTestEngine(store, { agent: false });
  await engine.engine.applyRunbook(
    yamlRunbook(
      'report',
      `  inputs:\n    at: { type: string }\n  steps:\n    - id: say\n      log: report for \${{ inputs.at }}\n`,
    ),
    'test',
  );
  const text = scheduleYaml(spec);
  await applySchedule(store.db, {
    schedule: parseSchedule(text),
    source: text,
    hash: runbookHash(text),
    actor: 'test',
    now: at,
  });
  let now = at;
  const deps: ScheduleWorkerDeps = { store, engine: engine.engine, clock: () => now, log: silentLogger };
  return { deps, setNow: (t: number) => (now = t) };
}

const runsOf = async (store: Store) => listRuns(store.db, { runbook: 'report', limit: 100 });

describeEachStore('schedules', (ctx) => {
  it('are not due before their first fire time after they were applied', async () => {
    const { store } = ctx();
    const { deps, setNow } = await setUp(store, '  cron: "0 * * * *"\n');
    expect((await findSchedule(store.db, 'hourly-report'))?.nextFireAt).toBe(T0 + H / 2);
    setNow(T0 + H / 2 - 1);
    expect(await fireSchedule(deps, 'hourly-report')).toEqual({ kind: 'not_due' });
    expect(await runsOf(store)).toHaveLength(0);
  });

  it('start one run per fire time, with inputs from the fire time, however many replicas try', async () => {
    const { store } = ctx();
    const { deps, setNow } = await setUp(
      store,
      '  cron: "0 * * * *"\n  inputs: { at: "${{ schedule.fire_time }}" }\n',
    );
    setNow(T0 + H / 2 + 500);
    const results = await Promise.all([1, 2, 3, 4].map(() => fireSchedule(deps, 'hourly-report')));
    const started = results.filter((r) => r.kind === 'started');
    expect(started).toHaveLength(1);
    expect(results.filter((r) => r.kind !== 'started').map((r) => r.kind)).not.toContain('error');
    const runs = await runsOf(store);
    expect(runs).toHaveLength(1);
    expect(JSON.parse(runs[0]!.inputs)).toEqual({ at: '2025-01-01T04:00:00.000Z' });
    expect(runs[0]!.created_by).toBe('schedule:hourly-report');
    expect(await listFires(store.db, 'hourly-report', 10)).toEqual([
      expect.objectContaining({ fireTime: T0 + H / 2, decision: 'started', missed: 0, runId: runs[0]!.id }),
    ]);
    expect((await findSchedule(store.db, 'hourly-report'))?.nextFireAt).toBe(T0 + (3 * H) / 2);
  });

  it('with missed: skip, run nothing for fire times missed in downtime, and record it', async () => {
    const { store } = ctx();
    const { deps, setNow } = await setUp(store, '  cron: "0 * * * *"\n  missed: skip\n');
    setNow(T0 + 4 * H + 600_000); // 04:00 to 07:00 passed with the server down; now 07:40
    expect(await fireSchedule(deps, 'hourly-report')).toEqual({
      kind: 'skipped',
      fireTime: Date.UTC(2025, 0, 1, 7),
      missed: 4,
    });
    expect(await runsOf(store)).toHaveLength(0);
    setNow(Date.UTC(2025, 0, 1, 8, 0, 1));
    expect(await fireSchedule(deps, 'hourly-report')).toMatchObject({ kind: 'started', missed: 0 });
  });

  it('with missed: catch_up_once, run once for all the fire times missed in downtime', async () => {
    const { store } = ctx();
    const { deps, setNow } = await setUp(store, '  cron: "0 * * * *"\n  missed: catch_up_once\n');
    setNow(T0 + 4 * H + 600_000);
    expect(await fireSchedule(deps, 'hourly-report')).toMatchObject({
      kind: 'started',
      fireTime: Date.UTC(2025, 0, 1, 7),
      missed: 3,
    });
    expect(await fireSchedule(deps, 'hourly-report')).toEqual({ kind: 'not_due' });
    expect(await runsOf(store)).toHaveLength(1);
  });

  it('record a fire whose runbook is missing as an error, and move on', async () => {
    const { store } = ctx();
    const { deps, setNow } = await setUp(store, '  cron: "0 * * * *"\n');
    const text = scheduleYaml('  cron: "0 * * * *"\n').replace('runbook: report', 'runbook: nowhere');
    await applySchedule(store.db, {
      schedule: parseSchedule(text),
      source: text,
      hash: runbookHash(text),
      actor: 't',
      now: T0,
    });
    setNow(T0 + H / 2);
    expect(await fireSchedule(deps, 'hourly-report')).toMatchObject({
      kind: 'error',
      error: expect.stringContaining('runbook nowhere does not exist'),
    });
    expect((await findSchedule(store.db, 'hourly-report'))?.nextFireAt).toBe(T0 + (3 * H) / 2);
  });

  it('never fire while disabled, and count from the moment they are enabled again', async () => {
    const { store } = ctx();
    const { deps, setNow } = await setUp(store, '  cron: "0 * * * *"\n  enabled: false\n');
    expect((await findSchedule(store.db, 'hourly-report'))?.nextFireAt).toBeNull();
    setNow(T0 + 5 * H);
    expect(await fireSchedule(deps, 'hourly-report')).toEqual({ kind: 'not_due' });
    const text = scheduleYaml('  cron: "0 * * * *"\n  missed: catch_up_once\n');
    await applySchedule(store.db, {
      schedule: parseSchedule(text),
      source: text,
      hash: runbookHash(text),
      actor: 't',
      now: T0 + 5 * H,
    });
    // Enabled at 08:30: the hours while disabled are not "missed".
    expect(await fireSchedule(deps, 'hourly-report')).toEqual({ kind: 'not_due' });
    expect((await findSchedule(store.db, 'hourly-report'))?.nextFireAt).toBe(Date.UTC(2025, 0, 1, 9));
  });

  it('are fired by the worker loop on a live clock', async () => {
    const { store } = ctx();
    await setUp(store, '  cron: "* * * * * *"\n  inputs: { at: "${{ schedule.fire_time }}" }\n', Date.now());
    const stop = new AbortController();
    const loop = runScheduleWorker(
      { store, engine: engine!.engine, clock: Date.now, log: silentLogger },
      stop.signal,
    );
    try {
      await engine!.waitUntil('two scheduled runs', async () => (await runsOf(store)).length >= 2, 10_000);
    } finally {
      stop.abort();
      await loop;
    }
    const fires = await listFires(store.db, 'hourly-report', 100);
    const times = fires.map((f) => f.fireTime);
    expect(new Set(times).size).toBe(times.length);
    expect(times.every((t) => t % 1000 === 0)).toBe(true);
  });
});
