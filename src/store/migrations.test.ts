import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { describeEachStore, dropSchema } from '../../test/support/stores.ts';
import { migrate } from './migrate.ts';
import { migrations } from './migrations/index.ts';
import { openStore } from './open.ts';
import type { Database } from './tables.ts';

/**
 * Every column of every table of tables.ts with its nullability. The type makes this list
 * complete and exact — a column added to or removed from tables.ts, or a change of `| null`,
 * fails the type check — and the tests below hold the migrated database to it.
 */
type Nullability<T> = { [C in keyof T]-?: null extends T[C] ? 'null' : 'not null' };
const expected: { [T in keyof Database]-?: Nullability<Database[T]> } = {
  runbooks: {
    name: 'not null',
    version: 'not null',
    hash: 'not null',
    source: 'not null',
    definition: 'not null',
    title: 'null',
    labels: 'not null',
    created_at: 'not null',
    created_by: 'null',
  },
  runs: {
    id: 'not null',
    runbook: 'not null',
    runbook_version: 'not null',
    status: 'not null',
    phase: 'not null',
    outcome: 'null',
    inputs: 'not null',
    outputs: 'null',
    error: 'null',
    parent_run_id: 'null',
    parent_step_key: 'null',
    concurrency_key: 'null',
    completion_seq: 'not null',
    version: 'not null',
    created_by: 'null',
    created_at: 'not null',
    started_at: 'null',
    finished_at: 'null',
    updated_at: 'not null',
  },
  steps: {
    run_id: 'not null',
    key: 'not null',
    step_id: 'not null',
    phase: 'not null',
    item_index: 'null',
    item: 'null',
    status: 'not null',
    attempt: 'not null',
    max_attempts: 'not null',
    concurrency_key: 'null',
    action: 'null',
    site: 'null',
    labels: 'null',
    available_at: 'null',
    lease_token: 'null',
    lease_expires_at: 'null',
    agent: 'null',
    outputs: 'null',
    result: 'null',
    error: 'null',
    completed_seq: 'null',
    child_run_id: 'null',
    task_id: 'null',
    cancel_requested: 'not null',
    created_at: 'not null',
    started_at: 'null',
    finished_at: 'null',
    updated_at: 'not null',
  },
  timers: {
    id: 'not null',
    run_id: 'not null',
    step_key: 'null',
    kind: 'not null',
    attempt: 'null',
    data: 'null',
    due_at: 'not null',
    created_at: 'not null',
  },
  tasks: {
    id: 'not null',
    run_id: 'not null',
    step_key: 'not null',
    kind: 'not null',
    status: 'not null',
    spec: 'not null',
    deadline: 'null',
    created_at: 'not null',
    closed_at: 'null',
    title: 'null',
    assignees: 'null',
    claimed_by: 'null',
    level: 'not null',
  },
  decisions: {
    id: 'not null',
    task_id: 'not null',
    actor: 'not null',
    decision: 'not null',
    comment: 'null',
    outputs: 'null',
    created_at: 'not null',
  },
  concurrency_holders: { key: 'not null', holder: 'not null', acquired_at: 'not null' },
  concurrency_waiters: {
    id: 'not null',
    key: 'not null',
    holder: 'not null',
    run_id: 'not null',
    step_key: 'null',
    limit_value: 'not null',
    requested_at: 'not null',
  },
  run_events: {
    id: 'not null',
    run_id: 'not null',
    type: 'not null',
    step_key: 'null',
    attempt: 'null',
    actor: 'null',
    data: 'null',
    created_at: 'not null',
  },
  step_logs: {
    id: 'not null',
    run_id: 'not null',
    step_key: 'not null',
    attempt: 'not null',
    stream: 'not null',
    data: 'not null',
    created_at: 'not null',
  },
  api_tokens: {
    id: 'not null',
    name: 'not null',
    token_hash: 'not null',
    subject: 'not null',
    role: 'not null',
    created_at: 'not null',
    expires_at: 'null',
    revoked_at: 'null',
    user_id: 'null',
    last_used_at: 'null',
  },
  agents: {
    id: 'not null',
    name: 'not null',
    site: 'not null',
    labels: 'not null',
    capacity: 'not null',
    version: 'null',
    facts: 'null',
    status: 'not null',
    credential_hash: 'null',
    last_seen_at: 'null',
    created_at: 'not null',
    revoked_at: 'null',
  },
  sites: {
    name: 'not null',
    kind: 'not null',
    provider: 'null',
    region: 'null',
    labels: 'not null',
    description: 'null',
    created_at: 'not null',
    updated_at: 'not null',
  },
  enrollment_tokens: {
    id: 'not null',
    token_hash: 'not null',
    site: 'not null',
    expires_at: 'not null',
    used_at: 'null',
    used_by: 'null',
    created_by: 'null',
    created_at: 'not null',
  },
  secrets: {
    name: 'not null',
    site: 'not null',
    ciphertext: 'not null',
    nonce: 'not null',
    tag: 'not null',
    key_id: 'not null',
    created_by: 'null',
    created_at: 'not null',
    updated_at: 'not null',
  },
  known_hosts: {
    site: 'not null',
    host: 'not null',
    port: 'not null',
    key_type: 'not null',
    public_key: 'not null',
    created_at: 'not null',
  },
  users: {
    id: 'not null',
    username: 'not null',
    display_name: 'null',
    email: 'null',
    password_hash: 'null',
    source: 'not null',
    oidc_subject: 'null',
    disabled: 'not null',
    created_at: 'not null',
    updated_at: 'not null',
    last_login_at: 'null',
  },
  teams: {
    id: 'not null',
    name: 'not null',
    description: 'null',
    oidc_group: 'null',
    created_at: 'not null',
  },
  team_members: { team_id: 'not null', user_id: 'not null', added_at: 'not null' },
  role_grants: {
    id: 'not null',
    team_id: 'not null',
    role: 'not null',
    sites: 'not null',
    labels: 'not null',
    created_by: 'null',
    created_at: 'not null',
  },
  sessions: {
    id_hash: 'not null',
    user_id: 'not null',
    csrf_token: 'not null',
    source: 'not null',
    address: 'null',
    created_at: 'not null',
    last_seen_at: 'not null',
    expires_at: 'not null',
  },
  oidc_logins: {
    state: 'not null',
    nonce: 'not null',
    code_verifier: 'not null',
    return_to: 'null',
    expires_at: 'not null',
  },
  audit_log: {
    id: 'not null',
    at: 'not null',
    actor: 'not null',
    action: 'not null',
    target: 'not null',
    source_address: 'null',
    data: 'not null',
    prev_hash: 'not null',
    hash: 'not null',
  },
  notification_channels: {
    id: 'not null',
    name: 'not null',
    kind: 'not null',
    config: 'not null',
    events: 'not null',
    enabled: 'not null',
    created_by: 'null',
    created_at: 'not null',
    updated_at: 'not null',
  },
  notification_deliveries: {
    id: 'not null',
    channel_id: 'not null',
    topic: 'not null',
    payload: 'not null',
    status: 'not null',
    attempts: 'not null',
    next_attempt_at: 'not null',
    lease_until: 'null',
    last_error: 'null',
    created_at: 'not null',
    sent_at: 'null',
  },
  comments: {
    id: 'not null',
    run_id: 'not null',
    author: 'not null',
    body: 'not null',
    mentions: 'not null',
    created_at: 'not null',
  },
  attachments: {
    id: 'not null',
    task_id: 'not null',
    run_id: 'not null',
    name: 'not null',
    content_type: 'not null',
    size: 'not null',
    sha256: 'not null',
    data: 'not null',
    uploaded_by: 'not null',
    created_at: 'not null',
  },
  resources: {
    id: 'not null',
    kind: 'not null',
    name: 'not null',
    site: 'null',
    labels: 'not null',
    properties: 'not null',
    facts: 'null',
    source: 'not null',
    created_at: 'not null',
    updated_at: 'not null',
    facts_at: 'null',
  },
  resource_labels: {
    resource_id: 'not null',
    key: 'not null',
    value: 'not null',
  },
  resource_relations: {
    from_id: 'not null',
    type: 'not null',
    to_kind: 'not null',
    to_name: 'not null',
  },
  resource_history: {
    id: 'not null',
    resource_kind: 'not null',
    resource_name: 'not null',
    at: 'not null',
    actor: 'not null',
    source: 'not null',
    change: 'not null',
    changes: 'not null',
  },
  event_sources: {
    name: 'not null',
    kind: 'not null',
    auth: 'not null',
    token_hash: 'null',
    secret: 'null',
    settings: 'not null',
    auto_resolve: 'null',
    created_by: 'null',
    created_at: 'not null',
    updated_at: 'not null',
  },
  events: {
    id: 'not null',
    source: 'not null',
    source_kind: 'not null',
    fingerprint: 'not null',
    status: 'not null',
    severity: 'not null',
    summary: 'not null',
    description: 'null',
    labels: 'not null',
    annotations: 'not null',
    details: 'null',
    resource: 'null',
    site: 'null',
    group_key: 'null',
    starts_at: 'not null',
    ends_at: 'null',
    received_at: 'not null',
    generator_url: 'null',
    outcome: 'not null',
    incident_id: 'null',
    suppressed_by: 'null',
  },
  alerts: {
    fingerprint: 'not null',
    source: 'not null',
    status: 'not null',
    severity: 'not null',
    summary: 'not null',
    labels: 'not null',
    resource: 'null',
    site: 'null',
    group_key: 'null',
    incident_id: 'null',
    suppressed_by: 'null',
    starts_at: 'not null',
    ends_at: 'null',
    first_seen_at: 'not null',
    last_seen_at: 'not null',
    resolved_at: 'null',
    count: 'not null',
    last_event_id: 'not null',
  },
  incidents: {
    id: 'not null',
    status: 'not null',
    severity: 'not null',
    title: 'not null',
    site: 'null',
    resource: 'null',
    team: 'null',
    assignee: 'null',
    grouping: 'not null',
    labels: 'not null',
    source: 'null',
    group_key: 'null',
    open_key: 'null',
    auto_resolve: 'not null',
    opened_at: 'not null',
    acknowledged_at: 'null',
    acknowledged_by: 'null',
    resolved_at: 'null',
    resolved_by: 'null',
    updated_at: 'not null',
  },
  incident_timeline: {
    id: 'not null',
    incident_id: 'not null',
    at: 'not null',
    type: 'not null',
    actor: 'null',
    message: 'not null',
    data: 'not null',
    event_id: 'null',
    run_id: 'null',
  },
  incident_runs: {
    incident_id: 'not null',
    run_id: 'not null',
    rule: 'null',
    created_at: 'not null',
  },
  maintenance_windows: {
    id: 'not null',
    reason: 'not null',
    selector: 'null',
    site: 'null',
    starts_at: 'null',
    ends_at: 'null',
    cron: 'null',
    duration_ms: 'null',
    time_zone: 'null',
    created_by: 'null',
    created_at: 'not null',
  },
  rules: {
    name: 'not null',
    version: 'not null',
    hash: 'not null',
    source: 'not null',
    definition: 'not null',
    enabled: 'not null',
    created_by: 'null',
    created_at: 'not null',
    updated_at: 'not null',
  },
  rule_queue: {
    id: 'not null',
    event_id: 'not null',
    incident_id: 'null',
    enqueued_at: 'not null',
    available_at: 'not null',
    attempts: 'not null',
    last_error: 'null',
  },
  rule_firings: {
    id: 'not null',
    rule: 'not null',
    rule_version: 'not null',
    event_id: 'not null',
    incident_id: 'null',
    group_key: 'not null',
    resource: 'null',
    decision: 'not null',
    reason: 'null',
    runbook: 'not null',
    inputs: 'null',
    approval: 'not null',
    run_id: 'null',
    details: 'not null',
    created_at: 'not null',
    run_status: 'null',
    finished_at: 'null',
    reported_at: 'null',
  },
  rule_locks: {
    rule: 'not null',
    group_key: 'not null',
    dry_run: 'not null',
    firing_id: 'not null',
    run_id: 'null',
    created_at: 'not null',
  },
  change_freezes: {
    id: 'not null',
    reason: 'null',
    starts_at: 'not null',
    ends_at: 'null',
    created_by: 'null',
    created_at: 'not null',
  },
  runbook_schedules: {
    name: 'not null',
    version: 'not null',
    hash: 'not null',
    source: 'not null',
    definition: 'not null',
    enabled: 'not null',
    fires_from: 'not null',
    next_fire_at: 'null',
    created_by: 'null',
    created_at: 'not null',
    updated_at: 'not null',
  },
  schedule_fires: {
    schedule: 'not null',
    fire_time: 'not null',
    decision: 'not null',
    missed: 'not null',
    run_id: 'null',
    error: 'null',
    created_at: 'not null',
  },
  oncall_schedules: {
    name: 'not null',
    description: 'null',
    time_zone: 'not null',
    definition: 'not null',
    created_by: 'null',
    created_at: 'not null',
    updated_at: 'not null',
  },
  oncall_overrides: {
    id: 'not null',
    schedule: 'not null',
    username: 'not null',
    starts_at: 'not null',
    ends_at: 'not null',
    reason: 'null',
    created_by: 'null',
    created_at: 'not null',
  },
  escalation_policies: {
    name: 'not null',
    description: 'null',
    definition: 'not null',
    created_by: 'null',
    created_at: 'not null',
    updated_at: 'not null',
  },
  routing_rules: {
    name: 'not null',
    position: 'not null',
    definition: 'not null',
    created_by: 'null',
    created_at: 'not null',
    updated_at: 'not null',
  },
  incident_escalations: {
    incident_id: 'not null',
    policy: 'not null',
    level: 'not null',
    round: 'not null',
    status: 'not null',
    due_at: 'null',
    stop_reason: 'null',
    started_at: 'not null',
    updated_at: 'not null',
  },
  probes: {
    name: 'not null',
    service: 'not null',
    definition: 'not null',
    hash: 'not null',
    version: 'not null',
    created_by: 'null',
    created_at: 'not null',
    updated_at: 'not null',
  },
  probe_results: {
    id: 'not null',
    probe: 'not null',
    site: 'not null',
    agent: 'null',
    at: 'not null',
    ok: 'not null',
    latency_ms: 'null',
    error: 'null',
  },
  probe_cells: {
    probe: 'not null',
    site: 'not null',
    agent: 'null',
    at: 'not null',
    ok: 'not null',
    latency_ms: 'null',
    error: 'null',
    failures: 'not null',
  },
  probe_states: {
    subject: 'not null',
    status: 'not null',
    reason: 'null',
    since: 'not null',
    updated_at: 'not null',
  },
  kb_documents: {
    id: 'not null',
    kind: 'not null',
    ref_id: 'not null',
    title: 'not null',
    body: 'not null',
    resources: 'not null',
    site: 'null',
    status: 'null',
    at: 'not null',
    source_version: 'not null',
    indexed_at: 'not null',
    search: 'null',
  },
  kb_document_resources: { document_id: 'not null', resource: 'not null' },
  slos: {
    name: 'not null',
    version: 'not null',
    hash: 'not null',
    source: 'not null',
    definition: 'not null',
    created_by: 'null',
    created_at: 'not null',
    updated_at: 'not null',
  },
  slo_probe_hours: {
    probe: 'not null',
    site: 'not null',
    hour: 'not null',
    good: 'not null',
    total: 'not null',
  },
  scaling_policies: {
    name: 'not null',
    version: 'not null',
    hash: 'not null',
    source: 'not null',
    definition: 'not null',
    created_by: 'null',
    created_at: 'not null',
    updated_at: 'not null',
  },
  scaling_state: {
    policy: 'not null',
    instances: 'not null',
    condition: 'null',
    condition_since: 'null',
    last_action_at: 'null',
    pending_action: 'null',
    pending_run_id: 'null',
    pending_since: 'null',
    last_value: 'null',
    last_error: 'null',
    last_evaluated_at: 'null',
    last_decision: 'null',
    next_evaluation_at: 'not null',
    lease_owner: 'null',
    lease_until: 'null',
  },
  scaling_decisions: {
    id: 'not null',
    policy: 'not null',
    policy_version: 'not null',
    decision: 'not null',
    reason: 'null',
    value: 'null',
    instances: 'not null',
    run_id: 'null',
    details: 'not null',
    created_at: 'not null',
  },
};

it('migrations are numbered in order without gaps', () => {
  migrations.forEach((m, i) => {
    expect(m.name).toMatch(new RegExp(`^${String(i + 1).padStart(4, '0')}-[a-z0-9-]+$`));
  });
});

describeEachStore('migrations', (ctx) => {
  it('create exactly the tables and columns of tables.ts, plus the migration record', async () => {
    const { store, schema } = ctx();
    const actual: Record<string, Record<string, string>> = {};
    if (schema === undefined) {
      for (const t of await store.db.introspection.getTables()) {
        // SQLite's full-text index (an FTS5 table and its shadow tables) is not a table of tables.ts.
        if (/^kb_fts(_|$)/.test(t.name)) continue;
        actual[t.name] = Object.fromEntries(
          t.columns.map((c) => [c.name, c.isNullable ? 'null' : 'not null']),
        );
      }
    } else {
      // Only this test's schema: introspecting all of them races with other tests dropping theirs.
      const { rows } = await sql<{ table_name: string; column_name: string; is_nullable: string }>`
        select table_name, column_name, is_nullable from information_schema.columns
        where table_schema = ${schema}`.execute(store.db);
      for (const r of rows)
        (actual[r.table_name] ??= {})[r.column_name] = r.is_nullable === 'YES' ? 'null' : 'not null';
    }
    expect(actual).toEqual({ ...expected, tandem_migrations: { name: 'not null', applied_at: 'not null' } });
  });

  it('are recorded, so opening the store again applies nothing', async () => {
    const { store, url, schema, dataDir } = ctx();
    const recorded = await store.db
      .withTables<{ tandem_migrations: { name: string } }>()
      .selectFrom('tandem_migrations')
      .select('name')
      .orderBy('name')
      .execute();
    expect(recorded.map((r) => r.name)).toEqual(migrations.map((m) => m.name));

    const logs: string[] = [];
    const again = await openStore({ databaseUrl: url, dataDir, schema, log: (m) => logs.push(m) });
    await again.close();
    expect(logs.filter((l) => l.includes('applied migration'))).toEqual([]);
  });

  it('refuse a database migrated by a newer Tandem', async () => {
    const { store, schema } = ctx();
    await store.db
      .withTables<{ tandem_migrations: { name: string; applied_at: number } }>()
      .insertInto('tandem_migrations')
      .values({ name: '9999-from-the-future', applied_at: Date.now() })
      .execute();
    await expect(migrate(store, { schema, log: () => undefined })).rejects.toThrow(
      /newer Tandem.*9999-from-the-future/,
    );
  });

  it('apply a new migration together with its record, or neither when it fails', async () => {
    const { store, schema } = ctx();
    const broken = {
      name: '9998-broken',
      async up(db: Parameters<(typeof migrations)[number]['up']>[0]) {
        await db.schema.createTable('half_made').addColumn('x', 'integer').execute();
        throw new Error('migration failed half-way');
      },
    };
    await expect(
      migrate(store, { schema, log: () => undefined, migrations: [...migrations, broken] }),
    ).rejects.toThrow('half-way');
    // Only this test's schema: introspecting all of them races with other tests dropping theirs.
    const names =
      schema === undefined
        ? (await store.db.introspection.getTables()).map((t) => t.name)
        : (
            await sql<{ table_name: string }>`
              select table_name from information_schema.tables where table_schema = ${schema}`.execute(
              store.db,
            )
          ).rows.map((r) => r.table_name);
    expect(names).not.toContain('half_made');
  });
});

describeEachStore('column types', (ctx) => {
  it('times and generated ids read back as numbers, exact to the millisecond', async () => {
    const { store } = ctx();
    const dueAt = Date.UTC(2999, 11, 31, 23, 59, 59, 999);
    const inserted = await store.db
      .insertInto('timers')
      .values({
        run_id: 'r',
        step_key: null,
        kind: 'sleep',
        attempt: null,
        data: null,
        due_at: dueAt,
        created_at: 1,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const row = await store.db.selectFrom('timers').selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({ id: inserted.id, due_at: dueAt, created_at: 1 });
    expect(typeof row.id).toBe('number');
    const count = await store.db
      .selectFrom('timers')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(count.n).toBe(1);
  });
});

describeEachStore(
  'opening the store',
  (ctx) => {
    // On SQLite two stores in one process would block each other's event loop in busy_timeout
    // (better-sqlite3 is synchronous); there, BEGIN IMMEDIATE around the migrations is the lock.
    it('twice at the same moment on a fresh schema migrates once and both succeed', async () => {
      const { url, dataDir } = ctx();
      const schema = `${ctx().schema!}_fresh`;
      const logs: string[] = [];
      const log = (m: string): void => {
        logs.push(m);
      };
      try {
        const [a, b] = await Promise.all([
          openStore({ databaseUrl: url, dataDir, schema, log }),
          openStore({ databaseUrl: url, dataDir, schema, log }),
        ]);
        await Promise.all([a.close(), b.close()]);
        expect(logs.filter((l) => l.includes('applied migration'))).toHaveLength(migrations.length);
      } finally {
        await dropSchema(url!, schema);
      }
    });
  },
  ['postgres'],
);
