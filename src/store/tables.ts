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

/** A resource of the estate; `labels`, `properties` and `facts` are JSON objects. */
export interface ResourcesTable {
  id: string;
  kind: string;
  name: string;
  site: string | null;
  labels: string; // JSON Record<string, string>, also in resource_labels
  properties: string; // JSON, what its source declares
  facts: string | null; // JSON, what an agent last reported
  source: string; // an applied file's source, agent:<id>, ansible:<file>, prometheus:<host>
  created_at: number;
  updated_at: number;
  facts_at: number | null;
}

/** One row per label of a resource, so selectors filter with an index. */
export interface ResourceLabelsTable {
  resource_id: string;
  key: string;
  value: string;
}

/** A relation from a resource to the one it names (which may not exist). */
export interface ResourceRelationsTable {
  from_id: string;
  type: string; // runs_on | depends_on | replicates_to | member_of
  to_kind: string;
  to_name: string;
}

/** Every change of a resource, field by field; kept when the resource is deleted. */
export interface ResourceHistoryTable {
  id: Generated<number>;
  resource_kind: string;
  resource_name: string;
  at: number;
  actor: string;
  source: string;
  change: string; // created | updated | deleted
  changes: string; // JSON FieldChange[]
}

/** A configured sender of events (an Alertmanager, a Grafana, a PagerDuty integration, a webhook). */
export interface EventSourcesTable {
  name: string;
  kind: string; // alertmanager | grafana | pagerduty | webhook
  auth: string; // bearer | hmac
  /** sha256 of the bearer token (also a PagerDuty routing key); null for HMAC sources. */
  token_hash: string | null;
  /** The HMAC secret, sealed with the master key (JSON); null for bearer sources. */
  secret: string | null;
  settings: string; // JSON: signature header, timestamp header, webhook mapping
  /** 1/0: incidents it opens resolve when their alerts do; null: the global default. */
  auto_resolve: number | null;
  created_by: string | null;
  created_at: number;
  updated_at: number;
}

/** Every event received, normalised; `outcome` says what it did (opened, joined, suppressed…). */
export interface EventsTable {
  id: string; // UUIDv7
  source: string;
  source_kind: string;
  fingerprint: string;
  status: string; // firing | resolved | acknowledged
  severity: string;
  summary: string;
  description: string | null;
  labels: string; // JSON
  annotations: string; // JSON
  details: string | null; // JSON: Grafana values, PagerDuty custom_details
  resource: string | null; // kind/name
  site: string | null;
  group_key: string | null;
  starts_at: number;
  ends_at: number | null;
  received_at: number;
  generator_url: string | null;
  outcome: string;
  incident_id: string | null;
  suppressed_by: string | null;
}

/** One alert per fingerprint: the current state its events deduplicate into. */
export interface AlertsTable {
  fingerprint: string;
  source: string;
  status: string; // firing | resolved
  severity: string;
  summary: string;
  labels: string; // JSON
  resource: string | null;
  site: string | null;
  group_key: string | null;
  incident_id: string | null;
  suppressed_by: string | null;
  starts_at: number;
  ends_at: number | null;
  first_seen_at: number;
  last_seen_at: number;
  resolved_at: number | null;
  count: number;
  last_event_id: string;
}

export interface IncidentsTable {
  id: string; // UUIDv7
  status: string; // triggered | acknowledged | resolved
  severity: string;
  title: string;
  site: string | null;
  resource: string | null; // kind/name
  team: string | null;
  assignee: string | null;
  grouping: string; // fingerprint | resource | site
  labels: string; // JSON, of the event that opened it
  source: string | null;
  group_key: string | null;
  /** `site:<name>` or `group:<source>|<key>` while open: one open incident per key. */
  open_key: string | null;
  auto_resolve: number;
  opened_at: number;
  acknowledged_at: number | null;
  acknowledged_by: string | null;
  resolved_at: number | null;
  resolved_by: string | null;
  updated_at: number;
}

export interface IncidentTimelineTable {
  id: Generated<number>;
  incident_id: string;
  at: number;
  type: string;
  actor: string | null;
  message: string;
  data: string; // JSON
  event_id: string | null;
  run_id: string | null;
}

export interface IncidentRunsTable {
  incident_id: string;
  run_id: string;
  rule: string | null;
  created_at: number;
}

/** Alerts matching a window while it is in effect are stored but open and notify nothing. */
export interface MaintenanceWindowsTable {
  id: string;
  reason: string;
  selector: string | null;
  site: string | null;
  starts_at: number | null;
  ends_at: number | null;
  cron: string | null;
  duration_ms: number | null;
  time_zone: string | null;
  created_by: string | null;
  created_at: number;
}

/** An automation rule as applied (`kind: Rule`); re-applying identical text is a no-op. */
export interface RulesTable {
  name: string;
  version: number;
  hash: string;
  source: string; // the YAML as applied
  definition: string; // JSON of the parsed rule
  enabled: number;
  created_by: string | null;
  created_at: number;
  updated_at: number;
}

/** An event waiting for the rule worker; deleted once evaluated. */
export interface RuleQueueTable {
  id: Generated<number>;
  event_id: string;
  incident_id: string | null;
  enqueued_at: number;
  available_at: number;
  attempts: Generated<number>;
  last_error: string | null;
}

/** One decision of one rule on one event: started, skipped (with the reason), dry_run or error. */
export interface RuleFiringsTable {
  id: string;
  rule: string;
  rule_version: number;
  event_id: string;
  incident_id: string | null;
  /** The alert group the per-group lock is taken on: the incident, else the fingerprint. */
  group_key: string;
  resource: string | null; // `kind/name`, what cool-downs count per
  decision: string;
  reason: string | null;
  runbook: string;
  inputs: string | null; // JSON
  approval: number;
  run_id: string | null;
  details: string; // JSON: the guard-rail checks as evaluated
  created_at: number;
  run_status: string | null;
  finished_at: number | null;
  /** When the run's outcome was appended to the incident timeline. */
  reported_at: number | null;
}

/** Held by the first firing of a rule for an alert group: a second one is refused by the key. */
export interface RuleLocksTable {
  rule: string;
  group_key: string;
  dry_run: number;
  firing_id: string;
  run_id: string | null;
  created_at: number;
}

/** A change freeze: rules do not start runs while one is in effect. `ends_at` null: until lifted. */
export interface ChangeFreezesTable {
  id: string;
  reason: string | null;
  starts_at: number;
  ends_at: number | null;
  created_by: string | null;
  created_at: number;
}

/** A runbook schedule as applied (`kind: Schedule`). */
export interface RunbookSchedulesTable {
  name: string;
  version: number;
  hash: string;
  source: string;
  definition: string; // JSON
  enabled: number;
  /** Fire times after this one are due; moved forward each time the schedule is handled. */
  fires_from: number;
  next_fire_at: number | null;
  created_by: string | null;
  created_at: number;
  updated_at: number;
}

/** One claimed fire time of a schedule: the key makes each fire happen once across replicas. */
export interface ScheduleFiresTable {
  schedule: string;
  fire_time: number;
  decision: string; // started | error
  /** How many earlier fire times were missed (downtime) and not run. */
  missed: number;
  run_id: string | null;
  error: string | null;
  created_at: number;
}

/** An on-call schedule: layers of rotations (JSON, see core/oncall). */
export interface OncallSchedulesTable {
  name: string;
  description: string | null;
  time_zone: string;
  definition: string; // JSON Schedule
  created_by: string | null;
  created_at: number;
  updated_at: number;
}

/** One user covering a time range of a schedule. */
export interface OncallOverridesTable {
  id: string;
  schedule: string;
  username: string;
  starts_at: number;
  ends_at: number;
  reason: string | null;
  created_by: string | null;
  created_at: number;
}

export interface EscalationPoliciesTable {
  name: string;
  description: string | null;
  definition: string; // JSON EscalationPolicy
  created_by: string | null;
  created_at: number;
  updated_at: number;
}

/** Routing rules, tried in position order: the first match gives an incident its team and policy. */
export interface RoutingRulesTable {
  name: string;
  position: number;
  definition: string; // JSON RoutingRuleSpec
  created_by: string | null;
  created_at: number;
  updated_at: number;
}

/** The escalation of one incident: the escalation loop takes the row when `due_at` passes. */
export interface IncidentEscalationsTable {
  incident_id: string;
  policy: string;
  level: number;
  round: number;
  status: string; // active | stopped | exhausted
  due_at: number | null;
  stop_reason: string | null;
  started_at: number;
  updated_at: number;
}

/** A probe definition (`kind: Probe`). */
export interface ProbesTable {
  name: string;
  service: string;
  definition: string; // JSON ProbeDefinition
  hash: string;
  version: number;
  created_by: string | null;
  created_at: number;
  updated_at: number;
}

/** Probe results as a time series (raw, kept for a week). */
export interface ProbeResultsTable {
  id: Generated<number>;
  probe: string;
  site: string;
  agent: string | null;
  at: number;
  ok: number;
  latency_ms: number | null;
  error: string | null;
}

/** The latest result of a probe at a site, with the failures in a row up to it. */
export interface ProbeCellsTable {
  probe: string;
  site: string;
  agent: string | null;
  at: number;
  ok: number;
  latency_ms: number | null;
  error: string | null;
  failures: number;
}

/** What the probe evaluator last acted on: `site:<name>` or `service:<name>` and its status. */
export interface ProbeStatesTable {
  subject: string;
  status: string;
  reason: string | null;
  since: number;
  updated_at: number;
}

/**
 * A searchable document: a finished run's report or an incident with its timeline and notes.
 * `kind` + `ref_id` name what it is about (one document each, rewritten when it changes).
 */
export interface KbDocumentsTable {
  id: Generated<number>;
  kind: string; // run | incident
  ref_id: string;
  title: string;
  body: string; // markdown
  /** The resources it is about, `kind/name` separated by spaces (also in kb_document_resources). */
  resources: string;
  site: string | null;
  status: string | null;
  /** When it happened: a run's creation, an incident's opening. */
  at: number;
  /** What was indexed (a run's finish time; an incident's update time and last timeline entry). */
  source_version: string;
  indexed_at: number;
  /** PostgreSQL: the generated tsvector searched (never written); SQLite: always null (kb_fts is its index). */
  search: string | null;
}

/** One row per resource a document is about: related history looks documents up by resource. */
export interface KbDocumentResourcesTable {
  document_id: number;
  resource: string; // kind/name
}

/** A service level objective as applied (`kind: SLO`); re-applying identical text is a no-op. */
export interface SlosTable {
  name: string;
  version: number;
  hash: string;
  source: string;
  definition: string; // JSON of the parsed SLO
  created_by: string | null;
  created_at: number;
  updated_at: number;
}

/** Probe results counted per probe, site and hour, kept after the raw results age out. */
export interface SloProbeHoursTable {
  probe: string;
  site: string;
  /** The hour's start (ms since the epoch, UTC). */
  hour: number;
  good: number;
  total: number;
}

/** A scaling policy as applied (`kind: ScalingPolicy`); re-applying identical text is a no-op. */
export interface ScalingPoliciesTable {
  name: string;
  version: number;
  hash: string;
  source: string;
  definition: string; // JSON of the parsed policy
  created_by: string | null;
  created_at: number;
  updated_at: number;
}

/**
 * What a scaling policy keeps between evaluations (see core/scaling), and the lease: the replica
 * in `lease_owner` evaluates it until `lease_until`, so one evaluation happens per tick.
 */
export interface ScalingStateTable {
  policy: string;
  /** Extra instances added and not removed. */
  instances: number;
  condition: string | null; // above | below
  condition_since: number | null;
  last_action_at: number | null;
  pending_action: string | null; // scale_out | scale_in
  pending_run_id: string | null;
  pending_since: number | null;
  last_value: number | null;
  last_error: string | null;
  last_evaluated_at: number | null;
  /** `kind:reason` of the last decision recorded: the next is recorded only when it differs. */
  last_decision: string | null;
  next_evaluation_at: number;
  lease_owner: string | null;
  lease_until: number | null;
}

/** One decision of a scaling policy: a verdict that changed, an action, how an action ended. */
export interface ScalingDecisionsTable {
  id: string; // UUIDv7
  policy: string;
  policy_version: number;
  decision: string; // DecisionKind
  reason: string | null;
  value: number | null;
  /** Extra instances after this decision. */
  instances: number;
  run_id: string | null;
  details: string; // JSON
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
  resources: ResourcesTable;
  resource_labels: ResourceLabelsTable;
  resource_relations: ResourceRelationsTable;
  resource_history: ResourceHistoryTable;
  event_sources: EventSourcesTable;
  events: EventsTable;
  alerts: AlertsTable;
  incidents: IncidentsTable;
  incident_timeline: IncidentTimelineTable;
  incident_runs: IncidentRunsTable;
  maintenance_windows: MaintenanceWindowsTable;
  rules: RulesTable;
  rule_queue: RuleQueueTable;
  rule_firings: RuleFiringsTable;
  rule_locks: RuleLocksTable;
  change_freezes: ChangeFreezesTable;
  runbook_schedules: RunbookSchedulesTable;
  schedule_fires: ScheduleFiresTable;
  oncall_schedules: OncallSchedulesTable;
  oncall_overrides: OncallOverridesTable;
  escalation_policies: EscalationPoliciesTable;
  routing_rules: RoutingRulesTable;
  incident_escalations: IncidentEscalationsTable;
  probes: ProbesTable;
  probe_results: ProbeResultsTable;
  probe_cells: ProbeCellsTable;
  probe_states: ProbeStatesTable;
  kb_documents: KbDocumentsTable;
  kb_document_resources: KbDocumentResourcesTable;
  slos: SlosTable;
  slo_probe_hours: SloProbeHoursTable;
  scaling_policies: ScalingPoliciesTable;
  scaling_state: ScalingStateTable;
  scaling_decisions: ScalingDecisionsTable;
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
export type ResourceRow = Selectable<ResourcesTable>;
export type ResourceHistoryRow = Selectable<ResourceHistoryTable>;
export type EventSourceRow = Selectable<EventSourcesTable>;
export type EventRow = Selectable<EventsTable>;
export type AlertRow = Selectable<AlertsTable>;
export type IncidentRow = Selectable<IncidentsTable>;
export type IncidentTimelineRow = Selectable<IncidentTimelineTable>;
export type MaintenanceWindowRow = Selectable<MaintenanceWindowsTable>;
export type RuleRow = Selectable<RulesTable>;
export type RuleFiringRow = Selectable<RuleFiringsTable>;
export type ChangeFreezeRow = Selectable<ChangeFreezesTable>;
export type RunbookScheduleRow = Selectable<RunbookSchedulesTable>;
export type ScheduleFireRow = Selectable<ScheduleFiresTable>;
export type KbDocumentRow = Selectable<KbDocumentsTable>;
export type SloRow = Selectable<SlosTable>;
export type ScalingPolicyRow = Selectable<ScalingPoliciesTable>;
export type ScalingStateRow = Selectable<ScalingStateTable>;
export type ScalingDecisionRow = Selectable<ScalingDecisionsTable>;
