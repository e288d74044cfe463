/**
 * The rules' store on both dialects: the queue is taken once across replicas, the per-group lock
 * admits exactly one of many concurrent takers, freezes are in effect when they say.
 */
import { expect, it } from 'vitest';
import { barrier } from '../support/barrier.ts';
import { describeEachStore } from '../support/stores.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { enqueueRuleEvaluation, MAX_EVALUATION_ATTEMPTS, queueDepth } from '../../src/rules/index.ts';
import {
  claimQueuedEvaluation,
  deleteQueuedEvaluation,
  retryQueuedEvaluation,
} from '../../src/rules/queue.ts';
import { groupLockHolder, takeGroupLock } from '../../src/rules/firings.ts';
import { activeFreeze, addFreeze, endActiveFreezes, listFreezes } from '../../src/rules/freezes.ts';

async function enqueue(store: Store, n: number): Promise<void> {
  await store.transaction(async (tx) => {
    for (let i = 0; i < n; i++) await enqueueRuleEvaluation(tx, { eventId: `e${i}`, incidentId: null });
  });
}

describeEachStore('the rule queue', (ctx, kind) => {
  it('holds an event only if the transaction that stored it committed', async () => {
    const { store } = ctx();
    await expect(
      store.transaction(async (tx) => {
        await enqueueRuleEvaluation(tx, { eventId: 'lost', incidentId: 'i1' });
        throw new Error('ingest failed after enqueueing');
      }),
    ).rejects.toThrow('ingest failed');
    await enqueue(store, 1);
    expect(await queueDepth(store.db)).toEqual({ waiting: 1, failed: 0 });
    const taken = await store.transaction((tx) => claimQueuedEvaluation(tx, Date.now() + 1));
    expect(taken).toMatchObject({ eventId: 'e0', incidentId: null, attempts: 0 });
  });

  it('gives each event to exactly one of several workers draining it at once', async () => {
    const { store } = ctx();
    await enqueue(store, 30);
    const seen: string[] = [];
    const worker = async () => {
      for (;;) {
        const got = await store.transaction(async (tx) => {
          const q = await claimQueuedEvaluation(tx, Date.now() + 1);
          if (q === undefined) return false;
          seen.push(q.eventId);
          expect(await deleteQueuedEvaluation(tx, q.id)).toBe(true);
          return true;
        });
        if (!got) return;
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    expect(seen.sort()).toEqual(Array.from({ length: 30 }, (_, i) => `e${i}`).sort());
    expect(await queueDepth(store.db)).toEqual({ waiting: 0, failed: 0 });
  });

  if (kind === 'postgres')
    it('lets two replicas hold different events at the same moment (SKIP LOCKED)', async () => {
      const { store, url, schema, dataDir } = ctx();
      const other = await openStore({ databaseUrl: url, schema, dataDir, log: () => undefined });
      try {
        await enqueue(store, 2);
        const meet = barrier(2);
        const take = (s: Store) =>
          s.transaction(async (tx) => {
            const q = await claimQueuedEvaluation(tx, Date.now() + 1);
            await meet(); // both transactions hold their claim here
            if (q) await deleteQueuedEvaluation(tx, q.id);
            return q?.eventId;
          });
        const [a, b] = await Promise.all([take(store), take(other)]);
        expect([a, b].sort()).toEqual(['e0', 'e1']);
      } finally {
        await other.close();
      }
    });

  it('puts a failed event back with a growing back-off, and gives up after the last attempt', async () => {
    const { store } = ctx();
    await enqueue(store, 1);
    const now = Date.now() + 1;
    const q = (await store.transaction((tx) => claimQueuedEvaluation(tx, now)))!;
    await store.transaction((tx) => retryQueuedEvaluation(tx, q.id, 'store unreachable', now));
    expect(await store.transaction((tx) => claimQueuedEvaluation(tx, now + 999))).toBeUndefined();
    const again = await store.transaction((tx) => claimQueuedEvaluation(tx, now + 1000));
    expect(again).toMatchObject({ id: q.id, attempts: 1 });
    for (let i = 1; i < MAX_EVALUATION_ATTEMPTS; i++)
      await store.transaction((tx) => retryQueuedEvaluation(tx, q.id, 'still failing', now));
    expect(await store.transaction((tx) => claimQueuedEvaluation(tx, now + 10 * 86_400_000))).toBeUndefined();
    expect(await queueDepth(store.db)).toEqual({ waiting: 0, failed: 1 });
    const row = await store.db.selectFrom('rule_queue').select('last_error').executeTakeFirstOrThrow();
    expect(row.last_error).toBe('still failing');
  });
});

describeEachStore('the per-alert-group lock', (ctx) => {
  it('admits exactly one of ten evaluations racing for one group', async () => {
    const { store } = ctx();
    const now = Date.now();
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        store.transaction((tx) =>
          takeGroupLock(tx.db, { rule: 'r', groupKey: 'incident:i1', dryRun: false, firingId: `f${i}`, now }),
        ),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = `f${results.indexOf(true)}`;
    expect(await groupLockHolder(store.db, { rule: 'r', groupKey: 'incident:i1', dryRun: false })).toEqual({
      firingId: winner,
      runId: null,
    });
  });

  it('is per rule, per group and per mode (a dry run does not hold a live rule back)', async () => {
    const { store } = ctx();
    const take = (rule: string, groupKey: string, dryRun: boolean) =>
      takeGroupLock(store.db, { rule, groupKey, dryRun, firingId: `${rule}/${groupKey}/${dryRun}`, now: 1 });
    expect(await take('r', 'g1', true)).toBe(true);
    expect(await take('r', 'g1', false)).toBe(true);
    expect(await take('r', 'g2', false)).toBe(true);
    expect(await take('s', 'g1', false)).toBe(true);
    expect(await take('r', 'g1', false)).toBe(false);
  });
});

describeEachStore('change freezes', (ctx) => {
  it('are in effect from their start until their end or until lifted; planned ones stay', async () => {
    const { store } = ctx();
    const h = 3_600_000;
    const now = Date.UTC(2025, 0, 1, 12);
    const base = { reason: null, createdBy: 'ops', createdAt: now };
    await addFreeze(store.db, { ...base, id: 'open', startsAt: now - h, endsAt: null });
    await addFreeze(store.db, {
      ...base,
      id: 'later',
      startsAt: now + 2 * h,
      endsAt: now + 3 * h,
      reason: 'release',
    });
    expect((await activeFreeze(store.db, now))?.id).toBe('open');
    expect(await endActiveFreezes(store.db, now)).toEqual(['open']);
    expect(await activeFreeze(store.db, now)).toBeNull();
    expect((await activeFreeze(store.db, now + 2 * h))?.reason).toBe('release');
    expect(await activeFreeze(store.db, now + 3 * h)).toBeNull();
    expect((await listFreezes(store.db, now)).map((f) => f.id)).toEqual(['later']);
    expect((await listFreezes(store.db, now, true)).map((f) => f.id)).toEqual(['open', 'later']);
  });
});
