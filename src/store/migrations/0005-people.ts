/**
 * People in the loop: users, teams, role grants, web sessions, OIDC sign-ins, the hash-chained
 * audit log, notification channels with their durable deliveries, run comments and task
 * attachments; tasks get an assignment, a claim and an escalation level.
 */
import type { Kysely } from 'kysely';
import type { Migration } from './migration.ts';

export const people: Migration = {
  name: '0005-people',
  async up(db: Kysely<unknown>, dialect) {
    const pg = dialect.name === 'postgres';
    const time = pg ? 'bigint' : 'integer';
    const serial = pg ? 'bigint' : 'integer';
    const index = async (name: string, table: string, columns: string[], unique = false): Promise<void> => {
      const b = db.schema.createIndex(name).on(table).columns(columns);
      await (unique ? b.unique() : b).execute();
    };
    const create = (name: string) => db.schema.createTable(name);

    await create('users')
      .addColumn('id', 'text', (c) => c.notNull().primaryKey())
      .addColumn('username', 'text', (c) => c.notNull())
      .addColumn('display_name', 'text')
      .addColumn('email', 'text')
      .addColumn('password_hash', 'text')
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('oidc_subject', 'text')
      .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', time, (c) => c.notNull())
      .addColumn('updated_at', time, (c) => c.notNull())
      .addColumn('last_login_at', time)
      .addUniqueConstraint('users_username_key', ['username'])
      .addUniqueConstraint('users_oidc_subject_key', ['oidc_subject'])
      .execute();

    await create('teams')
      .addColumn('id', 'text', (c) => c.notNull().primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('oidc_group', 'text')
      .addColumn('created_at', time, (c) => c.notNull())
      .addUniqueConstraint('teams_name_key', ['name'])
      .execute();

    await create('team_members')
      .addColumn('team_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('added_at', time, (c) => c.notNull())
      .addPrimaryKeyConstraint('team_members_pkey', ['team_id', 'user_id'])
      .execute();
    await index('team_members_user_id_idx', 'team_members', ['user_id']);

    await create('role_grants')
      .addColumn('id', 'text', (c) => c.notNull().primaryKey())
      .addColumn('team_id', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('sites', 'text', (c) => c.notNull())
      .addColumn('labels', 'text', (c) => c.notNull())
      .addColumn('created_by', 'text')
      .addColumn('created_at', time, (c) => c.notNull())
      .execute();
    await index('role_grants_team_id_idx', 'role_grants', ['team_id']);

    await db.schema.alterTable('api_tokens').addColumn('user_id', 'text').execute();
    await db.schema.alterTable('api_tokens').addColumn('last_used_at', time).execute();

    await create('sessions')
      .addColumn('id_hash', 'text', (c) => c.notNull().primaryKey())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('csrf_token', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('address', 'text')
      .addColumn('created_at', time, (c) => c.notNull())
      .addColumn('last_seen_at', time, (c) => c.notNull())
      .addColumn('expires_at', time, (c) => c.notNull())
      .execute();
    await index('sessions_user_id_idx', 'sessions', ['user_id']);

    await create('oidc_logins')
      .addColumn('state', 'text', (c) => c.notNull().primaryKey())
      .addColumn('nonce', 'text', (c) => c.notNull())
      .addColumn('code_verifier', 'text', (c) => c.notNull())
      .addColumn('return_to', 'text')
      .addColumn('expires_at', time, (c) => c.notNull())
      .execute();

    await create('audit_log')
      .addColumn('id', serial, (c) =>
        pg ? c.primaryKey().generatedByDefaultAsIdentity() : c.notNull().primaryKey(),
      )
      .addColumn('at', time, (c) => c.notNull())
      .addColumn('actor', 'text', (c) => c.notNull())
      .addColumn('action', 'text', (c) => c.notNull())
      .addColumn('target', 'text', (c) => c.notNull())
      .addColumn('source_address', 'text')
      .addColumn('data', 'text', (c) => c.notNull())
      .addColumn('prev_hash', 'text', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .execute();
    await index('audit_log_at_idx', 'audit_log', ['at']);

    await create('notification_channels')
      .addColumn('id', 'text', (c) => c.notNull().primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('config', 'text', (c) => c.notNull())
      .addColumn('events', 'text', (c) => c.notNull())
      .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('created_by', 'text')
      .addColumn('created_at', time, (c) => c.notNull())
      .addColumn('updated_at', time, (c) => c.notNull())
      .addUniqueConstraint('notification_channels_name_key', ['name'])
      .execute();

    await create('notification_deliveries')
      .addColumn('id', serial, (c) =>
        pg ? c.primaryKey().generatedByDefaultAsIdentity() : c.notNull().primaryKey(),
      )
      .addColumn('channel_id', 'text', (c) => c.notNull())
      .addColumn('topic', 'text', (c) => c.notNull())
      .addColumn('payload', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('next_attempt_at', time, (c) => c.notNull())
      .addColumn('lease_until', time)
      .addColumn('last_error', 'text')
      .addColumn('created_at', time, (c) => c.notNull())
      .addColumn('sent_at', time)
      .execute();
    await index('notification_deliveries_due_idx', 'notification_deliveries', ['status', 'next_attempt_at']);

    await create('comments')
      .addColumn('id', 'text', (c) => c.notNull().primaryKey())
      .addColumn('run_id', 'text', (c) => c.notNull())
      .addColumn('author', 'text', (c) => c.notNull())
      .addColumn('body', 'text', (c) => c.notNull())
      .addColumn('mentions', 'text', (c) => c.notNull())
      .addColumn('created_at', time, (c) => c.notNull())
      .execute();
    await index('comments_run_id_idx', 'comments', ['run_id', 'created_at']);

    await create('attachments')
      .addColumn('id', 'text', (c) => c.notNull().primaryKey())
      .addColumn('task_id', 'text', (c) => c.notNull())
      .addColumn('run_id', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('content_type', 'text', (c) => c.notNull())
      .addColumn('size', 'integer', (c) => c.notNull())
      .addColumn('sha256', 'text', (c) => c.notNull())
      .addColumn('data', pg ? 'bytea' : 'blob', (c) => c.notNull())
      .addColumn('uploaded_by', 'text', (c) => c.notNull())
      .addColumn('created_at', time, (c) => c.notNull())
      .execute();
    await index('attachments_task_id_idx', 'attachments', ['task_id']);

    await db.schema.alterTable('tasks').addColumn('title', 'text').execute();
    await db.schema.alterTable('tasks').addColumn('assignees', 'text').execute();
    await db.schema.alterTable('tasks').addColumn('claimed_by', 'text').execute();
    await db.schema
      .alterTable('tasks')
      .addColumn('level', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await index('tasks_status_created_at_idx', 'tasks', ['status', 'created_at']);
  },
};
