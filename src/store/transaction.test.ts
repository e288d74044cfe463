import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { expect, it } from 'vitest';
import { barrier } from '../../test/support/barrier.ts';
import { describeEachStore } from '../../test/support/stores.ts';
import { TandemError } from '../core/errors.ts';
import { postgresDialect, sqliteDialect } from './dialect.ts';
import type { Store } from './store.ts';
import { MAX_TRANSACTION_ATTEMPTS } from './transaction.ts';

async function addToken(db: Store['db'], id: string): Promise<void> {
  await db
    .insertInto('api_tokens')
    .values({
      id,
      name: id,
      token_hash: `hash-${id}`,
      subject: 'alice',
      role: 'admin',
      created_at: Date.now(),
    })
    .execute();
}

async function tokenIds(store: Store): Promise<string[]> {
  return (await store.db.selectFrom('api_tokens').select('id').orderBy('id').execute()).map((r) => r.id);
}

describeEachStore('transaction', (ctx) => {
  it('commits what the callback wrote and returns its value', async () => {
    const { store } = ctx();
    const value = await store.transaction(async (tx) => {
      await addToken(tx.db, 'a');
      return 42;
    });
    expect(value).toBe(42);
    expect(await tokenIds(store)).toEqual(['a']);
  });

  it('rolls back everything the callback wrote when it throws', async () => {
    const { store } = ctx();
    await expect(
      store.transaction(async (tx) => {
        await addToken(tx.db, 'a');
        await addToken(tx.db, 'b');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await tokenIds(store)).toEqual([]);
  });

  it('runs the callback again after a conflict, keeping only the last try', async () => {
    const { store } = ctx();
    let tries = 0;
    const result = await store.transaction(async (tx) => {
      tries++;
      await addToken(tx.db, `try-${tries}`);
      if (tries < 3) throw new TandemError('conflict', 'the step changed meanwhile', { retryable: true });
      return 'done';
    });
    expect(result).toBe('done');
    expect(tries).toBe(3);
    expect(await tokenIds(store)).toEqual(['try-3']);
  });

  it(`gives up after ${MAX_TRANSACTION_ATTEMPTS} conflicting tries and throws the conflict`, async () => {
    const { store } = ctx();
    let tries = 0;
    await expect(
      store.transaction(() => {
        tries++;
        return Promise.reject(new TandemError('conflict', 'still changing', { retryable: true }));
      }),
    ).rejects.toMatchObject({ code: 'conflict', message: 'still changing' });
    expect(tries).toBe(MAX_TRANSACTION_ATTEMPTS);
  });

  it('does not retry a conflict that is not marked retryable (a refusal, not a race)', async () => {
    const { store } = ctx();
    let tries = 0;
    await expect(
      store.transaction(() => {
        tries++;
        return Promise.reject(new TandemError('conflict', 'the run has finished'));
      }),
    ).rejects.toThrow('the run has finished');
    expect(tries).toBe(1);
  });

  it('does not retry other errors', async () => {
    const { store } = ctx();
    let tries = 0;
    await expect(
      store.transaction(() => {
        tries++;
        return Promise.reject(new TandemError('invalid_input', 'bad'));
      }),
    ).rejects.toThrow('bad');
    expect(tries).toBe(1);
  });

  it('runs afterCommit callbacks after a commit, once, and never for a rolled-back try', async () => {
    const { store } = ctx();
    const calls: string[] = [];
    let tries = 0;
    await store.transaction(async (tx) => {
      tries++;
      tx.afterCommit(() => calls.push(`try ${tries}`));
      await addToken(tx.db, `t${tries}`);
      if (tries === 1) throw new TandemError('conflict', 'again', { retryable: true });
    });
    expect(calls).toEqual(['try 2']);
    await store
      .transaction(async (tx) => {
        tx.afterCommit(() => calls.push('rolled back'));
        await Promise.resolve();
        throw new Error('no');
      })
      .catch(() => undefined);
    expect(calls).toEqual(['try 2']);
  });

  it('a failing afterCommit callback is logged, not thrown', async () => {
    const { store } = ctx();
    const value = await store.transaction(async (tx) => {
      tx.afterCommit(() => {
        throw new Error('callback failed');
      });
      await addToken(tx.db, 'a');
      return 'kept';
    });
    expect(value).toBe('kept');
    expect(await tokenIds(store)).toEqual(['a']);
  });

  it('refuses notify on a transaction that has ended', async () => {
    const { store } = ctx();
    let leaked: Parameters<Parameters<Store['transaction']>[0]>[0] | undefined;
    await store.transaction((tx) => {
      leaked = tx;
      return Promise.resolve();
    });
    expect(() => leaked?.notify('late')).toThrow(/ended/);
  });

  it('makes an unique violation recognisable as such', async () => {
    const { store } = ctx();
    await addToken(store.db, 'a');
    const err: unknown = await addToken(store.db, 'a').catch((e: unknown) => e);
    expect(store.dialect.isUniqueViolation(err)).toBe(true);
    expect(store.dialect.isTransientError(err)).toBe(false);
  });
});

it('serialization failures, deadlocks and SQLITE_BUSY are transient; other errors are not', () => {
  expect(postgresDialect.isTransientError({ code: '40001' })).toBe(true);
  expect(postgresDialect.isTransientError({ code: '40P01' })).toBe(true);
  expect(postgresDialect.isTransientError({ code: '23505' })).toBe(false);
  expect(sqliteDialect.isTransientError({ code: 'SQLITE_BUSY' })).toBe(true);
  expect(sqliteDialect.isTransientError({ code: 'SQLITE_BUSY_SNAPSHOT' })).toBe(true);
  expect(sqliteDialect.isTransientError({ code: 'SQLITE_CONSTRAINT_UNIQUE' })).toBe(false);
  expect(sqliteDialect.isTransientError(new Error('x'))).toBe(false);
});

describeEachStore(
  'an SQLite transaction',
  (ctx) => {
    it('takes the write lock when it begins, so writers queue instead of failing', async () => {
      const { dataDir } = ctx();
      const other = new SqliteDatabase(join(dataDir, 'tandem.db'), { timeout: 0 });
      try {
        await ctx().store.transaction(() => {
          // BEGIN IMMEDIATE already holds the lock: another writer cannot begin, even before any write.
          expect(() => other.exec('begin immediate')).toThrow(/locked|busy/i);
          return Promise.resolve();
        });
        other.exec('begin immediate');
        other.exec('rollback');
      } finally {
        other.close();
      }
    });
  },
  ['sqlite'],
);

describeEachStore(
  'transactions that deadlock',
  (ctx) => {
    // SQLite cannot deadlock: BEGIN IMMEDIATE lets one writer in at a time.
    it('both complete: PostgreSQL aborts one, which is then run again', async () => {
      const { store } = ctx();
      await addToken(store.db, 'a');
      await addToken(store.db, 'b');
      const bothLocked = barrier(2);
      const tries = { ab: 0, ba: 0 };
      const lockInOrder = (first: string, second: string, name: 'ab' | 'ba') =>
        store.transaction(async (tx) => {
          tries[name]++;
          const lock = (id: string) =>
            store.dialect
              .forUpdate(tx.db.selectFrom('api_tokens').select('id').where('id', '=', id))
              .execute();
          await lock(first);
          if (tries[name] === 1) await bothLocked();
          await lock(second);
          await tx.db.updateTable('api_tokens').set({ role: name }).where('id', '=', first).execute();
        });
      await Promise.all([lockInOrder('a', 'b', 'ab'), lockInOrder('b', 'a', 'ba')]);
      // PostgreSQL detects the deadlock after deadlock_timeout (1 s) and aborts one with 40P01.
      expect(tries.ab + tries.ba).toBe(3);
      const roles = await store.db.selectFrom('api_tokens').select(['id', 'role']).orderBy('id').execute();
      expect(roles).toEqual([
        { id: 'a', role: 'ab' },
        { id: 'b', role: 'ba' },
      ]);
    });
  },
  ['postgres'],
);
