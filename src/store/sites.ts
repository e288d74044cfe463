/** Sites: where agents live and steps run. */
import type { Kysely, Transaction } from 'kysely';
import type { Database, SiteRow } from './tables.ts';

type Db = Kysely<Database> | Transaction<Database>;

export interface SiteInput {
  name: string;
  kind: string;
  provider?: string | null;
  region?: string | null;
  labels?: Record<string, string>;
  description?: string | null;
}

/** Create or update a site; answers whether it was created. */
export async function upsertSite(db: Db, s: SiteInput, now: number): Promise<boolean> {
  const fields = {
    kind: s.kind,
    provider: s.provider ?? null,
    region: s.region ?? null,
    labels: JSON.stringify(s.labels ?? {}),
    description: s.description ?? null,
    updated_at: now,
  };
  const existing = await db.selectFrom('sites').select('name').where('name', '=', s.name).executeTakeFirst();
  if (existing) {
    await db.updateTable('sites').set(fields).where('name', '=', s.name).execute();
    return false;
  }
  await db
    .insertInto('sites')
    .values({ name: s.name, created_at: now, ...fields })
    .execute();
  return true;
}

export async function findSite(db: Db, name: string): Promise<SiteRow | undefined> {
  return db.selectFrom('sites').selectAll().where('name', '=', name).executeTakeFirst();
}

export async function listSites(db: Db): Promise<SiteRow[]> {
  return db.selectFrom('sites').selectAll().orderBy('name').execute();
}
