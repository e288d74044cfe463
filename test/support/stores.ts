/**
 * Test stores: each test gets its own SQLite file or PostgreSQL schema, dropped when the test
 * passed and kept (with its location printed) when it failed, so the failure can be inspected.
 *
 * PostgreSQL tests run when `TANDEM_TEST_PG_URL` (default postgres://postgres@127.0.0.1:5432/test)
 * answers. When it does not, they are skipped with one loud line — except on CI, where that is
 * an error: CI must test PostgreSQL.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe } from 'vitest';
import { errorMessage } from '../../src/core/errors.ts';
import { openStore, type Store } from '../../src/store/index.ts';

export type StoreKind = 'sqlite' | 'postgres';

export const testPgUrl = process.env.TANDEM_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function probePostgres(url: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (err: unknown) {
    return errorMessage(err);
  } finally {
    await client.end().catch(() => undefined);
  }
}

const pgProblem = await probePostgres(testPgUrl);
if (pgProblem !== undefined) {
  const where = `PostgreSQL not reachable at ${testPgUrl} (${pgProblem})`;
  const ci = process.env.CI;
  if (ci !== undefined && ci !== '' && ci !== '0' && ci !== 'false')
    throw new Error(`${where}: CI must run the PostgreSQL tests`);
  if (firstWarningOfThisRun()) {
    process.stderr.write(`\n!!! ${where}: PostgreSQL tests SKIPPED (set TANDEM_TEST_PG_URL to run them)\n\n`);
  }
}

/**
 * vitest runs each test file in a fresh child process, so "once per process" would repeat the
 * warning for every file; a marker named after the vitest parent process keeps it to one a run.
 */
function firstWarningOfThisRun(): boolean {
  if (process.env.VITEST_WORKER_ID === undefined) return true;
  try {
    writeFileSync(join(tmpdir(), `tandem-pg-skip-warned-${process.ppid}`), '', { flag: 'wx' });
    return true;
  } catch (err: unknown) {
    return (err as NodeJS.ErrnoException).code !== 'EEXIST';
  }
}

/** The store kinds to test here: SQLite always, PostgreSQL when reachable. */
export const storeKinds: StoreKind[] = pgProblem === undefined ? ['sqlite', 'postgres'] : ['sqlite'];

export interface TestStoreHandle {
  kind: StoreKind;
  store: Store;
  /** The PostgreSQL URL (postgres only). */
  url?: string;
  /** The test's own PostgreSQL schema (postgres only). */
  schema?: string;
  /** A fresh temporary folder (holds tandem.db on SQLite). */
  dataDir: string;
  /** Close the store; drop its data when the test passed, else keep it and say where. */
  dispose(passed: boolean): Promise<void>;
}

function slug(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 40) || 'store'
  );
}

export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}

/** A fresh store of `kind`; `name` (the test's, say) labels its folder. */
export async function createTestStore(kind: StoreKind, name = 'store'): Promise<TestStoreHandle> {
  const dataDir = await mkdtemp(join(tmpdir(), `tandem-${slug(name)}-`));
  const log = (msg: string): void => {
    if (process.env.TANDEM_TEST_STORE_LOG) process.stderr.write(`${msg}\n`);
  };
  if (kind === 'sqlite') {
    const store = await openStore({ dataDir, log });
    return {
      kind,
      store,
      dataDir,
      async dispose(passed) {
        await store.close();
        if (passed) await rm(dataDir, { recursive: true, force: true });
        else
          process.stderr.write(
            `kept for inspection: SQLite store of "${name}" at ${join(dataDir, 'tandem.db')}\n`,
          );
      },
    };
  }
  if (pgProblem !== undefined) throw new Error(`PostgreSQL not reachable at ${testPgUrl}: ${pgProblem}`);
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const store = await openStore({ databaseUrl: testPgUrl, dataDir, schema, log });
  return {
    kind,
    store,
    url: testPgUrl,
    schema,
    dataDir,
    async dispose(passed) {
      await store.close();
      if (passed) {
        await dropSchema(testPgUrl, schema);
        await rm(dataDir, { recursive: true, force: true });
      } else {
        process.stderr.write(
          `kept for inspection: PostgreSQL schema ${schema} of "${name}" in ${testPgUrl} (set search_path to ${schema}); data dir ${dataDir}\n`,
        );
      }
    },
  };
}

/**
 * `describe(title)` once per store kind, each test with a fresh store (`ctx()` inside a test or
 * hook). A kind that cannot run here shows as skipped.
 */
export function describeEachStore(
  title: string,
  fn: (ctx: () => TestStoreHandle, kind: StoreKind) => void,
  /** Dialects the block is about (a deadlock exists on PostgreSQL only); default both. */
  only: readonly StoreKind[] = ['sqlite', 'postgres'],
): void {
  for (const kind of only) {
    const suite = storeKinds.includes(kind) ? describe : describe.skip;
    suite(`${title} (${kind})`, () => {
      let handle: TestStoreHandle | undefined;
      beforeEach(async (context) => {
        handle = await createTestStore(kind, context.task.name);
      });
      // Runs after the test's own afterEach hooks (stack order), when its result is known.
      afterEach(async (context) => {
        const current = handle;
        handle = undefined;
        await current?.dispose(context.task.result?.state === 'pass');
      });
      fn(() => {
        if (!handle) throw new Error('the test store exists only while a test runs');
        return handle;
      }, kind);
    });
  }
}
