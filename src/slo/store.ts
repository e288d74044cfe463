/** SLOs in the store: applied from YAML (versioned by content), listed, found, deleted. */
import { createHash } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Slo } from '../core/slo/index.ts';
import type { Database, SloRow } from '../store/index.ts';

type Db = Kysely<Database> | Transaction<Database>;

export interface StoredSlo {
  slo: Slo;
  source: string;
  version: number;
  hash: string;
  createdBy: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface AppliedSlo {
  name: string;
  version: number;
  /** false: the same text was applied before (nothing written). */
  changed: boolean;
  created: boolean;
}

export const sloHash = (source: string): string => createHash('sha256').update(source).digest('hex');

const stored = (r: SloRow): StoredSlo => ({
  slo: JSON.parse(r.definition) as Slo,
  source: r.source,
  version: r.version,
  hash: r.hash,
  createdBy: r.created_by,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** Store an SLO; identical text again is a no-op, changed text is the next version. */
export async function applySlo(
  db: Db,
  a: { slo: Slo; source: string; actor: string; now: number },
): Promise<AppliedSlo> {
  const hash = sloHash(a.source);
  const name = a.slo.name;
  const row = await db
    .selectFrom('slos')
    .select(['hash', 'version'])
    .where('name', '=', name)
    .executeTakeFirst();
  if (row?.hash === hash) return { name, version: row.version, changed: false, created: false };
  const fields = { hash, source: a.source, definition: JSON.stringify(a.slo), updated_at: a.now };
  if (row) {
    await db
      .updateTable('slos')
      .set({ ...fields, version: row.version + 1 })
      .where('name', '=', name)
      .execute();
    return { name, version: row.version + 1, changed: true, created: false };
  }
  await db
    .insertInto('slos')
    .values({ name, ...fields, version: 1, created_by: a.actor, created_at: a.now })
    .execute();
  return { name, version: 1, changed: true, created: true };
}

export async function listSlos(db: Db): Promise<StoredSlo[]> {
  return (await db.selectFrom('slos').selectAll().orderBy('name').execute()).map(stored);
}

export async function findSlo(db: Db, name: string): Promise<StoredSlo | undefined> {
  const row = await db.selectFrom('slos').selectAll().where('name', '=', name).executeTakeFirst();
  return row ? stored(row) : undefined;
}

/** Answers whether it existed. */
export async function deleteSlo(db: Db, name: string): Promise<boolean> {
  const res = await db.deleteFrom('slos').where('name', '=', name).executeTakeFirst();
  return res.numDeletedRows > 0n;
}
