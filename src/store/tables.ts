/**
 * The store's tables as Kysely types. Migrations create exactly these; the schema snapshots in
 * `src/store/schema/` show them per dialect.
 *
 * Conventions: times are integer milliseconds since the epoch (bigint on PostgreSQL, read back as
 * numbers); JSON is stored as text and parsed by the module that owns the table; booleans are
 * integers 0/1 so both dialects agree.
 */
import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

/** A version of a runbook. Re-applying identical text is a no-op; changed text is version n+1. */
export interface RunbooksTable {
  name: string;
  version: number;
  /** sha256 of the YAML text as applied. */
  hash: string;
  source: string;
  /** The parsed runbook as JSON. */
  definition: string;
  title: string | null;
  labels: string; // JSON object
  created_at: number;
  created_by: string | null;
}

export interface RunsTable {
  id: string; // UUIDv7
  runbook: string;
  runbook_version: number;
  status: string; // RunStatus
  /** Where the run stands: main graph, compensating, finally, done. */
  phase: string;
  /** How the main graph ended (succeeded | failed | cancelled) once known; `run.status` for finally steps. */
  outcome: string | null;
  inputs: string; // JSON
  outputs: string | null; // JSON
  error: string | null;
  parent_run_id: string | null;
  parent_step_key: string | null;
  concurrency_key: string | null;
  /** Counter giving each completed step its place, for compensation in reverse order. */
  completion_seq: number;
  /** Bumped by every write of the run or its steps: a write that expected another version lost a race. */
  version: number;
  created_by: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  updated_at: number;
}

export interface StepsTable {
  run_id: string;
  /** `deploy`, or `deploy[3]` for the fourth foreach item, or `deploy~compensate`. */
  key: string;
  /** The step's id in the runbook. */
  step_id: string;
  /** `main`, `finally` or `compensate`. */
  phase: string;
  item_index: number | null;
  item: string | null; // JSON
  status: string; // StepStatus
  attempt: number;
  /** Tries allowed in all; a manual retry of the run raises it. */
  max_attempts: number;
  /** The rendered concurrency key this step holds or waits for. */
  concurrency_key: string | null;
  /** What the agent has to do, rendered when the step became ready (JSON Action). */
  action: string | null;
  /** Routing: the site and labels an agent must have to claim this step. */
  site: string | null;
  labels: string | null; // JSON string[]
  /** When a ready step may be claimed. */
  available_at: number | null;
  lease_token: string | null;
  lease_expires_at: number | null;
  agent: string | null;
  outputs: string | null; // JSON
  result: string | null; // JSON { exit_code, stdout, stderr } or http result
  error: string | null;
  completed_seq: number | null;
  child_run_id: string | null;
  task_id: string | null;
  cancel_requested: number;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  updated_at: number;
}

/** Durable timers: retry back-off, sleep, step timeouts, approval deadlines, wait_until. */
export interface TimersTable {
  id: Generated<number>;
  run_id: string;
  step_key: string | null;
  kind: string;
  attempt: number | null;
  /** JSON payload for the event the timer delivers (e.g. a child run's outcome). */
  data: string | null;
  due_at: number;
  created_at: number;
}

/** A step waiting for people: an approval (later: a manual task). */
export interface TasksTable {
  id: string;
  run_id: string;
  step_key: string;
  kind: string; // approval | task
  status: string; // open | approved | rejected | expired | cancelled | completed
  /** JSON: approvers, quorum, four_eyes, on_timeout, rendered message. */
  spec: string;
  deadline: number | null;
  created_at: number;
  closed_at: number | null;
  /** The rendered message or title, for listings. */
  title: string | null;
  /** JSON Assignees ({role?, team?, users?}) who may act now; escalation replaces it. */
  assignees: string | null;
  /** The user who claimed a manual task (others may still see it). */
  claimed_by: string | null;
  /** 0, or 1 once escalated. */
  level: Generated<number>;
}

export interface DecisionsTable {
  id: Generated<number>;
  task_id: string;
  actor: string;
  decision: string; // approve | reject | complete
  comment: string | null;
  outputs: string | null; // JSON
  created_at: number;
}

/** Who holds a concurrency key now (a run, or a step as `runId/stepKey`). */
export interface ConcurrencyHoldersTable {
  key: string;
  holder: string;
  acquired_at: number;
}

/** Who waits for a concurrency key, served first come, first served. */
export interface ConcurrencyWaitersTable {
  id: Generated<number>;
  key: string;
  holder: string;
  run_id: string;
  step_key: string | null;
  limit_value: number;
  requested_at: number;
}

/** The append-only history of each run: the audit trail, timeline and report source. */
export interface RunEventsTable {
  id: Generated<number>;
  run_id: string;
  type: string;
  step_key: string | null;
  attempt: number | null;
  actor: string | null;
  data: string | null; // JSON
  created_at: number;
}

/** Log chunks of step attempts, in order. */
export interface StepLogsTable {
  id: Generated<number>;
  run_id: string;
  step_key: string;
  attempt: number;
  stream: string; // stdout | stderr
  data: string;
  created_at: number;
}

export interface ApiTokensTable {
  id: string;
  name: string;
  /** sha256 of the token; the token itself is shown once. */
  token_hash: string;
  /** The owner's username. */
  subject: string;
  /** The most this token may do (its scope): a role at or below its owner's. */
  role: string;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  user_id: string | null;
  last_used_at: number | null;
}

/** A place where agents run steps: a datacenter, a cloud region, a cluster, an edge site. */
export interface SitesTable {
  name: string;
  kind: string; // idc | public-cloud | private-cloud | edge | k8s
  provider: string | null;
  region: string | null;
  labels: string; // JSON object
  description: string | null;
  created_at: number;
  updated_at: number;
}

/** A one-time, expiring token an agent exchanges for its own credential; bound to a site. */
export interface EnrollmentTokensTable {
  id: string;
  token_hash: string;
  site: string;
  expires_at: number;
  used_at: number | null;
  /** The agent that used it. */
  used_by: string | null;
  created_by: string | null;
  created_at: number;
}

/** Agents known to the control plane (the embedded `local` agents included). */
export interface AgentsTable {
  id: string;
  name: string;
  site: string;
  labels: string; // JSON string[]
  capacity: number;
  version: string | null;
  /** JSON host facts: hostname, os, kernel, cpus, memory, disks, addresses. */
  facts: string | null;
  status: string; // active | draining | revoked
  /** sha256 of the agent's own credential; null for embedded agents. */
  credential_hash: string | null;
  last_seen_at: number | null;
  created_at: number;
  revoked_at: number | null;
}

/** A secret's value, encrypted with AES-256-GCM; `site` is `*` for every site. */
export interface SecretsTable {
  name: string;
  site: string;
  ciphertext: string; // base64
  nonce: string; // base64, 12 bytes
  tag: string; // base64, 16 bytes
  /** Which master key encrypted it (a fingerprint), for rotation. */
  key_id: string;
  created_by: string | null;
  created_at: number;
  updated_at: number;
}

/** SSH host keys trusted per site (known_hosts kept by the control plane). */
export interface KnownHostsTable {
  site: string;
  host: string;
  port: number;
  key_type: string;
  public_key: string; // base64
  created_at: number;
}

/** A person. Local users have a password hash (scrypt); OIDC users a subject. */
export interface UsersTable {
  id: string;
  username: string;
  display_name: string | null;
  email: string | null;
  password_hash: string | null;
  source: string; // local | oidc
  oidc_subject: string | null;
  disabled: Generated<number>;
  created_at: number;
  updated_at: number;
  last_login_at: number | null;
}

export interface TeamsTable {
  id: string;
  name: string;
  description: string | null;
  /** Members of this OIDC group join the team at sign-in. */
  oidc_group: string | null;
  created_at: number;
}

export interface TeamMembersTable {
  team_id: string;
  user_id: string;
  added_at: number;
}

/** A role granted to a team, optionally restricted to sites and runbook labels. */
export interface RoleGrantsTable {
  id: string;
  team_id: string;
  role: string;
  sites: string; // JSON string[] of patterns; [] = every site
  labels: string; // JSON object; {} = every runbook
  created_by: string | null;
  created_at: number;
}

/** A signed-in browser. The cookie holds the id; only its sha256 is stored. */
export interface SessionsTable {
  id_hash: string;
  user_id: string;
  csrf_token: string;
  source: string; // password | oidc
  address: string | null;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
}

/** An OIDC sign-in under way: state, nonce and PKCE verifier, so any replica can finish it. */
export interface OidcLoginsTable {
  state: string;
  nonce: string;
  code_verifier: string;
  return_to: string | null;
  expires_at: number;
}

/** The append-only audit trail; each entry's hash covers the previous entry's hash. */
export interface AuditLogTable {
  id: Generated<number>;
  at: number;
  actor: string;
  action: string;
  target: string;
  source_address: string | null;
  data: string; // JSON
  prev_hash: string;
  hash: string;
}

/** Where notifications go: Slack, DingTalk, Feishu, WeCom, a webhook or e-mail. */
export interface NotificationChannelsTable {
  id: string;
  name: string;
  kind: string;
  /** JSON, sealed with the master key: URLs and signing secrets are credentials. */
  config: string;
  events: string; // JSON string[] of topics
  enabled: Generated<number>;
  created_by: string | null;
  created_at: number;
  updated_at: number;
}

/** One notification for one channel: the durable outbox, retried until sent or given up. */
export interface NotificationDeliveriesTable {
  id: Generated<number>;
  channel_id: string;
  topic: string;
  payload: string; // JSON
  status: string; // pending | sent | failed
  attempts: Generated<number>;
  next_attempt_at: number;
  lease_until: number | null;
  last_error: string | null;
  created_at: number;
  sent_at: number | null;
}

export interface CommentsTable {
  id: string;
  run_id: string;
  author: string;
  body: string; // markdown
  mentions: string; // JSON string[] of usernames
  created_at: number;
}

/** Evidence attached to a task, kept in the store. */
export interface AttachmentsTable {
  id: string;
  task_id: string;
  run_id: string;
  name: string;
  content_type: string;
  size: number;
  sha256: string;
  data: Buffer;
  uploaded_by: string;
  created_at: number;
}

export interface Database {
  runbooks: RunbooksTable;
  runs: RunsTable;
  steps: StepsTable;
  timers: TimersTable;
  tasks: TasksTable;
  decisions: DecisionsTable;
  concurrency_holders: ConcurrencyHoldersTable;
  concurrency_waiters: ConcurrencyWaitersTable;
  run_events: RunEventsTable;
  step_logs: StepLogsTable;
  api_tokens: ApiTokensTable;
  agents: AgentsTable;
  sites: SitesTable;
  enrollment_tokens: EnrollmentTokensTable;
  secrets: SecretsTable;
  known_hosts: KnownHostsTable;
  users: UsersTable;
  teams: TeamsTable;
  team_members: TeamMembersTable;
  role_grants: RoleGrantsTable;
  sessions: SessionsTable;
  oidc_logins: OidcLoginsTable;
  audit_log: AuditLogTable;
  notification_channels: NotificationChannelsTable;
  notification_deliveries: NotificationDeliveriesTable;
  comments: CommentsTable;
  attachments: AttachmentsTable;
}

export type RunRow = Selectable<RunsTable>;
export type NewRun = Insertable<RunsTable>;
export type StepRow = Selectable<StepsTable>;
export type NewStep = Insertable<StepsTable>;
export type StepUpdate = Updateable<StepsTable>;
export type RunbookRow = Selectable<RunbooksTable>;
export type TaskRow = Selectable<TasksTable>;
export type RunEventRow = Selectable<RunEventsTable>;
export type SiteRow = Selectable<SitesTable>;
export type AgentRow = Selectable<AgentsTable>;
export type SecretRow = Selectable<SecretsTable>;
export type UserRow = Selectable<UsersTable>;
export type TeamRow = Selectable<TeamsTable>;
export type RoleGrantRow = Selectable<RoleGrantsTable>;
export type AuditRow = Selectable<AuditLogTable>;
export type NotificationChannelRow = Selectable<NotificationChannelsTable>;
export type NotificationDeliveryRow = Selectable<NotificationDeliveriesTable>;
export type CommentRow = Selectable<CommentsTable>;
export type AttachmentRow = Selectable<AttachmentsTable>;
