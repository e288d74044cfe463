/** What the console reads from the API: the views of `src/server/views.ts` and the routes. */

export const RUN_STATUSES = [
  'pending',
  'running',
  'waiting',
  'paused',
  'succeeded',
  'failed',
  'cancelled',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const FINISHED: readonly string[] = ['succeeded', 'failed', 'cancelled'];

export interface RunSummary {
  id: string;
  runbook: string;
  version: number;
  status: RunStatus;
  phase: string;
  error: string | null;
  parent_run_id: string | null;
  created_by: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export interface Decision {
  actor: string;
  decision: string;
  comment: string | null;
  /** The answers of a completed manual task. */
  outputs?: unknown;
  at: string;
}

/** A JSON Schema as far as the console draws forms from it. */
export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: (string | number | boolean)[];
  default?: unknown;
  format?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  items?: JsonSchema;
}

export interface Task {
  id: string;
  kind: string;
  status: string;
  run_id: string;
  step: string;
  message: string | null;
  title?: string | null;
  approvers: unknown;
  assignees?: unknown;
  claimed_by?: string | null;
  quorum: number;
  four_eyes: boolean;
  deadline: string | null;
  created_at: string;
  closed_at: string | null;
  decisions: Decision[];
  /** The form of a manual task. */
  form?: JsonSchema | null;
  /** Whether rejecting an approval needs a comment. */
  reject_comment?: 'required' | 'optional';
  /** Escalations so far (0: with its first assignees). */
  level?: number;
}

/** A comment on a run (`comment.added` events point at it). */
export interface RunComment {
  id: string;
  author: string;
  body: string;
  created_at: string;
}

export interface Step {
  id: string;
  step_id: string;
  phase: string;
  status: string;
  attempt: number;
  max_attempts: number;
  item_index?: number;
  item?: unknown;
  outputs: unknown;
  result: unknown;
  error: string | null;
  agent: string | null;
  site: string | null;
  child_run_id: string | null;
  task: Task | null;
  created_at: string | null;
  started_at: string | null;
  finished_at: string | null;
}

export interface Run extends RunSummary {
  inputs: Record<string, unknown> | null;
  outputs: Record<string, unknown> | null;
  concurrency_key: string | null;
  steps: Step[];
}

export interface RunEvent {
  id: number;
  run_id: string;
  type: string;
  step: string | null;
  attempt: number | null;
  actor: string | null;
  data: unknown;
  at: string;
}

export interface LogChunk {
  id: number;
  step: string;
  attempt: number;
  stream: string;
  data: string;
  at: string;
}

export const INPUT_TYPES = ['string', 'number', 'integer', 'boolean', 'object', 'array', 'enum'] as const;
export type InputType = (typeof INPUT_TYPES)[number];

/** One input of a runbook (`spec.inputs.<name>`), as the runbook model defines it. */
export interface InputSpec {
  type?: InputType;
  description?: string;
  required?: boolean;
  default?: unknown;
  enum?: (string | number | boolean)[];
  secret?: boolean;
}

/** A step of the runbook definition; the console reads its id, name, needs and body kind. */
export interface StepSpec {
  id: string;
  name?: string;
  needs?: string[];
  [field: string]: unknown;
}

export interface RunbookDefinition {
  metadata: { name: string; title?: string; description?: string; labels?: Record<string, string> };
  spec: {
    description?: string;
    inputs?: Record<string, InputSpec>;
    steps: StepSpec[];
    finally?: StepSpec[];
  };
}

export interface RunbookSummary {
  name: string;
  version: number;
  title: string | null;
  labels: Record<string, string>;
  created_at: string;
  created_by: string;
}

export interface RunbookDetail extends RunbookSummary {
  hash: string;
  description: string | null;
  inputs: Record<string, InputSpec>;
  source: string;
  definition: RunbookDefinition;
  versions?: { version: number; created_at: string; created_by: string }[];
}

export interface Site {
  name: string;
  kind: string;
  provider: string | null;
  region: string | null;
  labels: Record<string, string>;
  description: string | null;
}

export interface Agent {
  id: string;
  name: string;
  site: string;
  state: 'online' | 'offline' | 'draining' | 'revoked';
  embedded: boolean;
  version: string | null;
  last_seen_at: string | null;
}

/** `GET /api/v1/auth/me`. */
export interface Me {
  user: { id: string; username: string; display_name?: string | null };
  teams?: unknown[];
  permissions?: string[];
  csrf_token?: string;
}
