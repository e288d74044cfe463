/**
 * Regenerate src/store/schema/{sqlite,postgres}.sql from the migrations: `npm run schema:snapshot`.
 * Needs PostgreSQL at TANDEM_TEST_PG_URL (default postgres://postgres@127.0.0.1:5432/test); it
 * migrates a scratch schema there and drops it afterwards.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { errorMessage } from '../src/core/errors.ts';
import { dumpSchema, openStore, type Store } from '../src/store/index.ts';

const schemaDir = join(import.meta.dirname, '..', 'src', 'store', 'schema');
const pgUrl = process.env.TANDEM_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function write(kind: 'sqlite' | 'postgres', store: Store): Promise<void> {
  const file = join(schemaDir, `${kind}.sql`);
  await writeFile(file, await dumpSchema(store));
  console.log(`wrote ${file}`);
}

const dataDir = await mkdtemp(join(tmpdir(), 'tandem-schema-'));
let failed = false;
try {
  const sqlite = await openStore({ dataDir });
  try {
    await write('sqlite', sqlite);
  } finally {
    await sqlite.close();
  }

  const schema = `schema_snapshot_${randomBytes(4).toString('hex')}`;
  try {
    const postgres = await openStore({ databaseUrl: pgUrl, dataDir, schema });
    try {
      await write('postgres', postgres);
    } finally {
      await postgres.close();
    }
  } catch (err: unknown) {
    failed = true;
    console.error(`postgres.sql NOT written: ${errorMessage(err)} (set TANDEM_TEST_PG_URL)`);
  } finally {
    const client = new pg.Client({ connectionString: pgUrl });
    await client
      .connect()
      .then(() => client.query(`drop schema if exists "${schema}" cascade`))
      .catch(() => undefined)
      .finally(() => client.end().catch(() => undefined));
  }
} finally {
  await rm(dataDir, { recursive: true, force: true });
}
if (failed) process.exitCode = 1;
