/** The tables of src/store/tables.ts as of the first release. */
import type { ColumnDefinitionBuilder, CreateTableBuilder, Kysely } from 'kysely';
import type { Migration } from './migration.ts';

export const initial: Migration = {
  name: '0001-initial',
  async up(db: Kysely<unknown>, dialect) {
    const pg = dialect.name === 'postgres';
    // Times are ms since the epoch: past 2^31, so bigint on PostgreSQL; SQLite integers are 64-bit.
    const time = pg ? 'bigint' : 'integer';
    const notNull = (col: ColumnDefinitionBuilder): ColumnDefinitionBuilder => col.notNull();
    // An auto-assigned id: an identity column on PostgreSQL; on SQLite an `integer primary key`
    // is the rowid, assigned max+1 without the extra bookkeeping table of AUTOINCREMENT.
    const serialId = <C extends string>(table: CreateTableBuilder<string, C>) =>
      table.addColumn('id', pg ? 'bigint' : 'integer', (col) =>
        pg ? col.primaryKey().generatedByDefaultAsIdentity() : col.notNull().primaryKey(),
      );
    const create = (name: string) => db.schema.createTable(name);
    const index = async (name: string, table: string, columns: string[]): Promise<void> => {
      await db.schema.createIndex(name).on(table).columns(columns).execute();
    };

    await create('runbooks')
      .addColumn('name', 'text', notNull)
      .addColumn('version', 'integer', notNull)
      .addColumn('hash', 'text', notNull)
      .addColumn('source', 'text', notNull)
      .addColumn('definition', 'text', notNull)
      .addColumn('title', 'text')
      .addColumn('labels', 'text', notNull)
      .addColumn('created_at', time, notNull)
      .addColumn('created_by', 'text')
      .addPrimaryKeyConstraint('runbooks_pkey', ['name', 'version'])
      .addUniqueConstraint('runbooks_name_hash_key', ['name', 'hash'])
      .execute();

    await create('runs')
      .addColumn('id', 'text', (col) => col.notNull().primaryKey())
      .addColumn('runbook', 'text', notNull)
      .addColumn('runbook_version', 'integer', notNull)
      .addColumn('status', 'text', notNull)
      .addColumn('phase', 'text', notNull)
      .addColumn('outcome', 'text')
      .addColumn('inputs', 'text', notNull)
      .addColumn('outputs', 'text')
      .addColumn('error', 'text')
      .addColumn('parent_run_id', 'text')
      .addColumn('parent_step_key', 'text')
      .addColumn('concurrency_key', 'text')
      .addColumn('completion_seq', 'integer', notNull)
      .addColumn('created_by', 'text')
      .addColumn('created_at', time, notNull)
      .addColumn('started_at', time)
      .addColumn('finished_at', time)
      .addColumn('updated_at', time, notNull)
      .execute();
    await index('runs_status_created_at_idx', 'runs', ['status', 'created_at']);
    await index('runs_runbook_created_at_idx', 'runs', ['runbook', 'created_at']);
    await index('runs_parent_run_id_idx', 'runs', ['parent_run_id']);

    await create('steps')
      .addColumn('run_id', 'text', notNull)
      .addColumn('key', 'text', notNull)
      .addColumn('step_id', 'text', notNull)
      .addColumn('phase', 'text', notNull)
      .addColumn('item_index', 'integer')
      .addColumn('item', 'text')
      .addColumn('status', 'text', notNull)
      .addColumn('attempt', 'integer', notNull)
      .addColumn('max_attempts', 'integer', notNull)
      .addColumn('concurrency_key', 'text')
      .addColumn('action', 'text')
      .addColumn('site', 'text')
      .addColumn('labels', 'text')
      .addColumn('available_at', time)
      .addColumn('lease_token', 'text')
      .addColumn('lease_expires_at', time)
      .addColumn('agent', 'text')
      .addColumn('outputs', 'text')
      .addColumn('result', 'text')
      .addColumn('error', 'text')
      .addColumn('completed_seq', 'integer')
      .addColumn('child_run_id', 'text')
      .addColumn('task_id', 'text')
      .addColumn('cancel_requested', 'integer', notNull)
      .addColumn('created_at', time, notNull)
      .addColumn('started_at', time)
      .addColumn('finished_at', time)
      .addColumn('updated_at', time, notNull)
      .addPrimaryKeyConstraint('steps_pkey', ['run_id', 'key'])
      .execute();
    // Claiming: ready steps of a site, oldest available first.
    await index('steps_status_site_available_at_idx', 'steps', ['status', 'site', 'available_at']);
    // Reaping: running steps whose lease expired.
    await index('steps_status_lease_expires_at_idx', 'steps', ['status', 'lease_expires_at']);

    await serialId(create('timers'))
      .addColumn('run_id', 'text', notNull)
      .addColumn('step_key', 'text')
      .addColumn('kind', 'text', notNull)
      .addColumn('attempt', 'integer')
      .addColumn('data', 'text')
      .addColumn('due_at', time, notNull)
      .addColumn('created_at', time, notNull)
      .execute();
    await index('timers_due_at_idx', 'timers', ['due_at']);
    // Every step that finishes deletes its timeout timer: without this, a scan of all timers.
    await index('timers_run_id_step_key_idx', 'timers', ['run_id', 'step_key']);

    await create('tasks')
      .addColumn('id', 'text', (col) => col.notNull().primaryKey())
      .addColumn('run_id', 'text', notNull)
      .addColumn('step_key', 'text', notNull)
      .addColumn('kind', 'text', notNull)
      .addColumn('status', 'text', notNull)
      .addColumn('spec', 'text', notNull)
      .addColumn('deadline', time)
      .addColumn('created_at', time, notNull)
      .addColumn('closed_at', time)
      .execute();
    await index('tasks_run_id_idx', 'tasks', ['run_id']);
    await index('tasks_status_idx', 'tasks', ['status']);

    await serialId(create('decisions'))
      .addColumn('task_id', 'text', notNull)
      .addColumn('actor', 'text', notNull)
      .addColumn('decision', 'text', notNull)
      .addColumn('comment', 'text')
      .addColumn('outputs', 'text')
      .addColumn('created_at', time, notNull)
      .execute();
    // Every decision counts the task's earlier decisions (quorum, four-eyes).
    await index('decisions_task_id_idx', 'decisions', ['task_id']);

    await create('concurrency_holders')
      .addColumn('key', 'text', notNull)
      .addColumn('holder', 'text', notNull)
      .addColumn('acquired_at', time, notNull)
      .addPrimaryKeyConstraint('concurrency_holders_pkey', ['key', 'holder'])
      .execute();

    await serialId(create('concurrency_waiters'))
      .addColumn('key', 'text', notNull)
      .addColumn('holder', 'text', notNull)
      .addColumn('run_id', 'text', notNull)
      .addColumn('step_key', 'text')
      .addColumn('limit_value', 'integer', notNull)
      .addColumn('requested_at', time, notNull)
      .execute();
    await index('concurrency_waiters_key_id_idx', 'concurrency_waiters', ['key', 'id']);

    await serialId(create('run_events'))
      .addColumn('run_id', 'text', notNull)
      .addColumn('type', 'text', notNull)
      .addColumn('step_key', 'text')
      .addColumn('attempt', 'integer')
      .addColumn('actor', 'text')
      .addColumn('data', 'text')
      .addColumn('created_at', time, notNull)
      .execute();
    await index('run_events_run_id_id_idx', 'run_events', ['run_id', 'id']);

    await serialId(create('step_logs'))
      .addColumn('run_id', 'text', notNull)
      .addColumn('step_key', 'text', notNull)
      .addColumn('attempt', 'integer', notNull)
      .addColumn('stream', 'text', notNull)
      .addColumn('data', 'text', notNull)
      .addColumn('created_at', time, notNull)
      .execute();
    await index('step_logs_run_id_step_key_attempt_id_idx', 'step_logs', [
      'run_id',
      'step_key',
      'attempt',
      'id',
    ]);

    await create('api_tokens')
      .addColumn('id', 'text', (col) => col.notNull().primaryKey())
      .addColumn('name', 'text', notNull)
      .addColumn('token_hash', 'text', notNull)
      .addColumn('subject', 'text', notNull)
      .addColumn('role', 'text', notNull)
      .addColumn('created_at', time, notNull)
      .addColumn('expires_at', time)
      .addColumn('revoked_at', time)
      .addUniqueConstraint('api_tokens_token_hash_key', ['token_hash'])
      .execute();

    await create('agents')
      .addColumn('id', 'text', (col) => col.notNull().primaryKey())
      .addColumn('name', 'text', notNull)
      .addColumn('site', 'text', notNull)
      .addColumn('labels', 'text', notNull)
      .addColumn('capacity', 'integer', notNull)
      .addColumn('version', 'text')
      .addColumn('last_seen_at', time)
      .addColumn('created_at', time, notNull)
      .addUniqueConstraint('agents_name_key', ['name'])
      .execute();
  },
};
