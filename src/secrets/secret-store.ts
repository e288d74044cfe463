/**
 * Secrets in the store: one row per (name, site), the value encrypted with the master key.
 * `site` is `*` for a value every site gets; a site's own value wins over it. Nothing here
 * returns a value except `secretValues`, which the claim of a step calls for that step's site.
 */
import type { Kysely, Transaction } from 'kysely';
import { TandemError } from '../core/errors.ts';
import { SECRET_NAME } from '../core/secret-ref.ts';
import type { Database } from '../store/index.ts';
import { decryptValue, encryptValue, type SecretAddress } from './cipher.ts';
import type { MasterKey } from './master-key.ts';

type Db = Kysely<Database> | Transaction<Database>;

/** The `site` of a value for every site. */
export const ALL_SITES = '*';
/** 64 KiB: room for a kubeconfig or a PEM bundle; larger blobs belong in a file store. */
export const MAX_SECRET_BYTES = 64 * 1024;
const SITE = /^[^\s\p{Cc}]{1,128}$/u;

/** What may be shown about a secret: never its value. */
export interface SecretInfo {
  name: string;
  site: string;
  /** Fingerprint of the master key that encrypted it. */
  keyId: string;
  createdBy: string | null;
  createdAt: number;
  updatedAt: number;
}

export function checkSecretName(name: string): void {
  if (!SECRET_NAME.test(name)) {
    throw new TandemError('invalid_input', 'invalid secret name', {
      details: [
        {
          path: 'name',
          message: 'a secret name is a letter or _ then up to 127 letters, digits, _ or -',
        },
      ],
    });
  }
}

export function checkSite(site: string): void {
  if (!SITE.test(site)) {
    throw new TandemError('invalid_input', 'invalid site', {
      details: [
        {
          path: 'site',
          message: `a site is 1 to 128 characters without blanks, or ${ALL_SITES} for every site`,
        },
      ],
    });
  }
}

function checkValue(value: string): void {
  const problem =
    value === ''
      ? 'a secret value must not be empty'
      : Buffer.byteLength(value, 'utf8') > MAX_SECRET_BYTES
        ? `a secret value is at most ${MAX_SECRET_BYTES} bytes`
        : value.includes('\0')
          ? // Values reach environment variables, argv and headers, none of which can hold NUL.
            'a secret value cannot contain a NUL character; store binary data base64-encoded'
          : undefined;
  if (problem !== undefined)
    throw new TandemError('invalid_input', problem, { details: [{ path: 'value', message: problem }] });
}

/** Create or replace the value of `name` for `site`. Answers whether the row is new. */
export async function setSecret(
  db: Db,
  key: MasterKey,
  s: { name: string; site?: string; value: string; actor: string | null; now: number },
): Promise<{ created: boolean }> {
  const at: SecretAddress = { name: s.name, site: s.site ?? ALL_SITES };
  checkSecretName(at.name);
  checkSite(at.site);
  checkValue(s.value);
  const sealed = encryptValue(key.key, at, s.value);
  // Insert-or-nothing, then update: unlike an upsert this tells a new secret from a changed one
  // on both dialects. A delete racing in between leaves nothing to update: insert again.
  for (let attempt = 0; attempt < 3; attempt++) {
    const inserted = await db
      .insertInto('secrets')
      .values({ ...at, ...sealed, key_id: key.id, created_by: s.actor, created_at: s.now, updated_at: s.now })
      .onConflict((oc) => oc.columns(['name', 'site']).doNothing())
      .returning('name')
      .executeTakeFirst();
    if (inserted) return { created: true };
    const updated = await db
      .updateTable('secrets')
      .set({ ...sealed, key_id: key.id, updated_at: s.now })
      .where('name', '=', at.name)
      .where('site', '=', at.site)
      .executeTakeFirst();
    if (updated.numUpdatedRows > 0n) return { created: false };
  }
  throw new TandemError('conflict', `secret ${at.name} changed while it was being set; try again`, {
    retryable: true,
  });
}

/** Remove the value of `name` for `site`; false when there was none. */
export async function deleteSecret(db: Db, at: { name: string; site?: string }): Promise<boolean> {
  const res = await db
    .deleteFrom('secrets')
    .where('name', '=', at.name)
    .where('site', '=', at.site ?? ALL_SITES)
    .executeTakeFirst();
  return res.numDeletedRows > 0n;
}

/** Every secret's name, site and times, by name then site. Never a value. */
export async function listSecrets(db: Db): Promise<SecretInfo[]> {
  const rows = await db
    .selectFrom('secrets')
    .select(['name', 'site', 'key_id', 'created_by', 'created_at', 'updated_at'])
    .orderBy('name')
    .orderBy('site')
    .execute();
  return rows.map((r) => ({
    name: r.name,
    site: r.site,
    keyId: r.key_id,
    createdBy: r.created_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  }));
}

/**
 * The values of `names` as an agent of `site` gets them: the site's own value, else the one for
 * every site. A name without either is absent from the map. Throws when a value was encrypted
 * with another master key than `key`, or its row was tampered with.
 */
export async function secretValues(
  db: Db,
  key: MasterKey,
  o: { site: string; names: Iterable<string> },
): Promise<Map<string, string>> {
  const names = [...new Set(o.names)];
  const out = new Map<string, string>();
  if (names.length === 0) return out;
  for (const name of names) checkSecretName(name);
  const rows = await db
    .selectFrom('secrets')
    .select(['name', 'site', 'ciphertext', 'nonce', 'tag', 'key_id'])
    .where('name', 'in', names)
    .where('site', 'in', [o.site, ALL_SITES])
    .execute();
  const chosen = new Map<string, (typeof rows)[number]>();
  for (const row of rows) {
    if (row.site === o.site || !chosen.has(row.name)) chosen.set(row.name, row);
  }
  for (const [name, row] of chosen) {
    if (row.key_id !== key.id) throw wrongKey(row, key);
    out.set(name, decryptValue(key.key, row, row));
  }
  return out;
}

/** Throws when a stored secret was encrypted with another master key: call it at server start. */
export async function checkMasterKey(db: Db, key: MasterKey): Promise<void> {
  const row = await db
    .selectFrom('secrets')
    .select(['name', 'site', 'key_id'])
    .where('key_id', '!=', key.id)
    .limit(1)
    .executeTakeFirst();
  if (row) throw wrongKey(row, key);
}

function wrongKey(row: { name: string; site: string; key_id: string }, key: MasterKey): TandemError {
  return new TandemError(
    'internal',
    `secret ${row.name} of site ${row.site} was encrypted with master key ${row.key_id}, ` +
      `but the server has key ${key.id}: start it with the key the secrets were written with ` +
      '(TANDEM_MASTER_KEY or master.key in the data folder)',
  );
}
