/** Sites, agent enrollment and credentials, encrypted secrets and per-site SSH host keys. */
import type { Kysely } from 'kysely';
import type { Migration } from './migration.ts';

export const sitesAgentsSecrets: Migration = {
  name: '0002-sites-agents-secrets',
  async up(db: Kysely<unknown>, dialect) {
    const time = dialect.name === 'postgres' ? 'bigint' : 'integer';
    const index = async (name: string, table: string, columns: string[], unique = false): Promise<void> => {
      const b = db.schema.createIndex(name).on(table).columns(columns);
      await (unique ? b.unique() : b).execute();
    };

    await db.schema
      .createTable('sites')
      .addColumn('name', 'text', (c) => c.notNull().primaryKey())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('provider', 'text')
      .addColumn('region', 'text')
      .addColumn('labels', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('created_at', time, (c) => c.notNull())
      .addColumn('updated_at', time, (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('enrollment_tokens')
      .addColumn('id', 'text', (c) => c.notNull().primaryKey())
      .addColumn('token_hash', 'text', (c) => c.notNull())
      .addColumn('site', 'text', (c) => c.notNull())
      .addColumn('expires_at', time, (c) => c.notNull())
      .addColumn('used_at', time)
      .addColumn('used_by', 'text')
      .addColumn('created_by', 'text')
      .addColumn('created_at', time, (c) => c.notNull())
      .addUniqueConstraint('enrollment_tokens_token_hash_key', ['token_hash'])
      .execute();

    // The agents table of 0001 was never written to; its enrolled form replaces it.
    await db.schema.dropTable('agents').execute();
    await db.schema
      .createTable('agents')
      .addColumn('id', 'text', (c) => c.notNull().primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('site', 'text', (c) => c.notNull())
      .addColumn('labels', 'text', (c) => c.notNull())
      .addColumn('capacity', 'integer', (c) => c.notNull())
      .addColumn('version', 'text')
      .addColumn('facts', 'text')
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('credential_hash', 'text')
      .addColumn('last_seen_at', time)
      .addColumn('created_at', time, (c) => c.notNull())
      .addColumn('revoked_at', time)
      .addUniqueConstraint('agents_name_key', ['name'])
      .addUniqueConstraint('agents_credential_hash_key', ['credential_hash'])
      .execute();
    await index('agents_site_idx', 'agents', ['site']);

    await db.schema
      .createTable('secrets')
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('site', 'text', (c) => c.notNull())
      .addColumn('ciphertext', 'text', (c) => c.notNull())
      .addColumn('nonce', 'text', (c) => c.notNull())
      .addColumn('tag', 'text', (c) => c.notNull())
      .addColumn('key_id', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text')
      .addColumn('created_at', time, (c) => c.notNull())
      .addColumn('updated_at', time, (c) => c.notNull())
      .addPrimaryKeyConstraint('secrets_pkey', ['name', 'site'])
      .execute();

    await db.schema
      .createTable('known_hosts')
      .addColumn('site', 'text', (c) => c.notNull())
      .addColumn('host', 'text', (c) => c.notNull())
      .addColumn('port', 'integer', (c) => c.notNull())
      .addColumn('key_type', 'text', (c) => c.notNull())
      .addColumn('public_key', 'text', (c) => c.notNull())
      .addColumn('created_at', time, (c) => c.notNull())
      .addPrimaryKeyConstraint('known_hosts_pkey', ['site', 'host', 'port', 'key_type'])
      .execute();
  },
};
