import { expect, it } from 'vitest';
import { barrier } from '../../test/support/barrier.ts';
import { describeEachStore } from '../../test/support/stores.ts';
import type { Store } from './store.ts';
import type { NewStep } from './tables.ts';

function readyStep(runId: string, key: string, availableAt: number): NewStep {
  return {
    run_id: runId,
    key,
    step_id: key,
    phase: 'main',
    status: 'ready',
    attempt: 1,
    max_attempts: 1,
    site: 'local',
    available_at: availableAt,
    cancel_requested: 0,
    created_at: availableAt,
    updated_at: availableAt,
  };
}

/** Claim up to `limit` ready steps of site `local`, the way the scheduler does. */
function claim(store: Store, limit: number, meet?: () => Promise<void>): Promise<string[]> {
  return store.transaction(async (tx) => {
    const rows = await store.dialect
      .forUpdate(
        tx.db
          .selectFrom('steps')
          .select(['run_id', 'key'])
          .where('status', '=', 'ready')
          .where('site', '=', 'local')
          .orderBy('available_at')
          .limit(limit),
        { skipLocked: true },
      )
      .execute();
    // Both claimers hold their rows before either commits: without SKIP LOCKED the second
    // would wait for the first's rows and never arrive here.
    await meet?.();
    for (const row of rows) {
      await tx.db
        .updateTable('steps')
        .set({ status: 'running', lease_token: 'lease' })
        .where('run_id', '=', row.run_id)
        .where('key', '=', row.key)
        .execute();
    }
    return rows.map((r) => r.key);
  });
}

describeEachStore('claiming ready steps', (ctx) => {
  it('two concurrent claims get disjoint steps and together take them all', async () => {
    const { store } = ctx();
    const keys = Array.from({ length: 10 }, (_, i) => `s${String(i).padStart(2, '0')}`);
    await store.db
      .insertInto('steps')
      .values(keys.map((key, i) => readyStep('run-1', key, 1_000 + i)))
      .execute();

    // On SQLite the claims run one after the other (one writer at a time), so they cannot meet.
    const meet = store.dialect.skipLocked ? barrier(2) : undefined;
    const [a, b] = await Promise.all([claim(store, 6, meet), claim(store, 6, meet)]);

    expect(a.filter((key) => b.includes(key))).toEqual([]);
    expect([...a, ...b].sort()).toEqual(keys);
    expect([a.length, b.length].sort()).toEqual([4, 6]);
    const running = await store.db
      .selectFrom('steps')
      .select('key')
      .where('status', '=', 'running')
      .execute();
    expect(running).toHaveLength(10);
  });
});
