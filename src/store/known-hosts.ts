/** SSH host keys each site trusts, kept by the control plane and given to agents with steps. */
import type { Kysely, Transaction } from 'kysely';
import type { Database } from './tables.ts';

type Db = Kysely<Database> | Transaction<Database>;

export interface KnownHostRow {
  host: string;
  port: number;
  keyType: string;
  publicKey: string;
}

export async function addKnownHost(db: Db, site: string, k: KnownHostRow, now: number): Promise<boolean> {
  const existing = await db
    .selectFrom('known_hosts')
    .select('public_key')
    .where('site', '=', site)
    .where('host', '=', k.host)
    .where('port', '=', k.port)
    .where('key_type', '=', k.keyType)
    .executeTakeFirst();
  if (existing) {
    await db
      .updateTable('known_hosts')
      .set({ public_key: k.publicKey })
      .where('site', '=', site)
      .where('host', '=', k.host)
      .where('port', '=', k.port)
      .where('key_type', '=', k.keyType)
      .execute();
    return false;
  }
  await db
    .insertInto('known_hosts')
    .values({
      site,
      host: k.host,
      port: k.port,
      key_type: k.keyType,
      public_key: k.publicKey,
      created_at: now,
    })
    .execute();
  return true;
}

export async function knownHostsOf(db: Db, site: string): Promise<KnownHostRow[]> {
  const rows = await db
    .selectFrom('known_hosts')
    .selectAll()
    .where('site', '=', site)
    .orderBy('host')
    .execute();
  return rows.map((r) => ({ host: r.host, port: r.port, keyType: r.key_type, publicKey: r.public_key }));
}

export async function removeKnownHost(db: Db, site: string, host: string, port: number): Promise<number> {
  const res = await db
    .deleteFrom('known_hosts')
    .where('site', '=', site)
    .where('host', '=', host)
    .where('port', '=', port)
    .executeTakeFirst();
  return Number(res.numDeletedRows);
}
