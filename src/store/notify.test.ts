import { sql } from 'kysely';
import { expect, it, vi } from 'vitest';
import { describeEachStore } from '../../test/support/stores.ts';
import { openStore } from './open.ts';
import type { Store } from './store.ts';

/** Commit a transaction that only sends these notifications ([channel, payload?]). */
function send(store: Store, ...notes: [string, string?][]): Promise<void> {
  return store.transaction((tx) => {
    for (const [channel, payload] of notes) tx.notify(channel, payload);
    return Promise.resolve();
  });
}

describeEachStore('notifications', (ctx) => {
  it('are delivered after the transaction commits, not while it runs', async () => {
    const { store } = ctx();
    const received: { payload: string; duringTx: boolean }[] = [];
    let duringTx = false;
    await store.listen('runs', (payload) => received.push({ payload, duringTx }));
    await store.listen('probe', (payload) => received.push({ payload, duringTx }));

    await store.transaction(async (tx) => {
      duringTx = true;
      tx.notify('runs', 'run-1');
      if (store.dialect.listenNotify) {
        // A notification committed by another connection arrives on the same listener after
        // anything sent before it: once 'probe' is here, an early 'run-1' would be too.
        await send(store, ['probe', 'probe']);
        await vi.waitFor(() => expect(received.map((r) => r.payload)).toContain('probe'));
      }
      duringTx = false;
    });

    await vi.waitFor(() => expect(received.map((r) => r.payload)).toContain('run-1'));
    expect(received.find((r) => r.payload === 'run-1')).toEqual({ payload: 'run-1', duringTx: false });
  });

  it('are not delivered when the transaction rolls back', async () => {
    const { store } = ctx();
    const received: string[] = [];
    await store.listen('runs', (payload) => received.push(payload));

    await store
      .transaction((tx) => {
        tx.notify('runs', 'rolled-back');
        return Promise.reject(new Error('abort'));
      })
      .catch(() => undefined);
    // Delivery is in commit order, so once a later notification arrived the first would have too.
    await send(store, ['runs', 'committed']);
    await vi.waitFor(() => expect(received).toContain('committed'));
    expect(received).toEqual(['committed']);
  });

  it('are not delivered when the COMMIT itself fails', async () => {
    const { store } = ctx();
    // A deferred foreign key is checked at COMMIT, after the callback and after the notification
    // was queued: the last moment a notification could leak out too early.
    await sql`create table parent (id text primary key)`.execute(store.db);
    await sql`create table child (parent_id text references parent (id) deferrable initially deferred)`.execute(
      store.db,
    );
    const received: string[] = [];
    await store.listen('runs', (payload) => received.push(payload));
    const failed = await store
      .transaction(async (tx) => {
        tx.notify('runs', 'commit-failed');
        await sql`insert into child (parent_id) values ('missing')`.execute(tx.db);
      })
      .then(
        () => false,
        () => true,
      );
    expect(failed).toBe(true);
    await send(store, ['runs', 'committed']);
    await vi.waitFor(() => expect(received).toContain('committed'));
    expect(received).toEqual(['committed']);
  });

  it('are sent once per channel and payload in a transaction', async () => {
    const { store } = ctx();
    const received: string[] = [];
    await store.listen('runs', (payload) => received.push(payload));
    await send(store, ['runs', 'a'], ['runs', 'a'], ['runs', 'b'], ['runs']);
    await send(store, ['runs', 'end']);
    await vi.waitFor(() => expect(received).toContain('end'));
    expect(received).toEqual(['a', 'b', '', 'end']);
  });

  it('reach only the channel listened to, and stop after unlisten', async () => {
    const { store } = ctx();
    const runs: string[] = [];
    const steps: string[] = [];
    const stopRuns = await store.listen('runs', (payload) => runs.push(payload));
    await store.listen('steps', (payload) => steps.push(payload));
    await send(store, ['runs', 'r1'], ['steps', 's1']);
    await vi.waitFor(() => expect(steps).toEqual(['s1']));
    await vi.waitFor(() => expect(runs).toEqual(['r1']));

    await stopRuns();
    await send(store, ['runs', 'r2'], ['steps', 's2']);
    await vi.waitFor(() => expect(steps).toEqual(['s1', 's2']));
    expect(runs).toEqual(['r1']);
  });

  it('reach another store on the same database, as another replica would be', async () => {
    const { store, url, schema, dataDir } = ctx();
    const replica = await openStore({ databaseUrl: url, dataDir, schema });
    try {
      const received: string[] = [];
      await replica.listen('runs', (payload) => received.push(payload));
      await send(store, ['runs', 'from-the-other']);
      await vi.waitFor(() => expect(received).toEqual(['from-the-other']));
    } finally {
      await replica.close();
    }
  });

  it('a listener that throws does not stop the others', async () => {
    const { store } = ctx();
    const received: string[] = [];
    await store.listen('runs', () => {
      throw new Error('bad listener');
    });
    await store.listen('runs', (payload) => received.push(payload));
    await send(store, ['runs', 'x']);
    await vi.waitFor(() => expect(received).toEqual(['x']));
  });

  it('refuse channel names that are not plain words', async () => {
    const { store } = ctx();
    await expect(store.listen('bad channel; drop table runs', () => undefined)).rejects.toThrow(
      /invalid notification channel/,
    );
    await expect(send(store, ['x'.repeat(80)])).rejects.toThrow(/at most 63 bytes/);
  });
});

describeEachStore(
  'the PostgreSQL listener',
  (ctx) => {
    it('reconnects and listens again when its connection is killed', async () => {
      const { store, schema } = ctx();
      const received: string[] = [];
      await store.listen('runs', (payload) => received.push(payload));
      const killed = await sql<{ n: number }>`
      select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
      where application_name = ${`tandem-listen:${schema!}`}`.execute(store.db);
      expect(killed.rows[0]?.n).toBe(1);

      // Notifications sent while it is down are lost (they are hints); keep sending until one arrives.
      let n = 0;
      await vi.waitFor(
        async () => {
          n++;
          await send(store, ['runs', `after-${n}`]);
          expect(received.length).toBeGreaterThan(0);
        },
        { timeout: 10_000, interval: 100 },
      );
      expect(received[0]).toMatch(/^after-\d+$/);
    });

    it('closes its connection when the store closes', async () => {
      const { store, url, schema, dataDir } = ctx();
      const other = await openStore({ databaseUrl: url, dataDir, schema });
      await other.listen('runs', () => undefined);
      const listeners = async (): Promise<number> =>
        (
          await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
          where application_name = ${`tandem-listen:${schema!}`}`.execute(store.db)
        ).rows[0]!.n;
      expect(await listeners()).toBe(1);
      await other.close();
      await vi.waitFor(async () => expect(await listeners()).toBe(0));
    });
  },
  ['postgres'],
);
