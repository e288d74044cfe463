/**
 * The API answers as the command line reads them (a subset of what the server sends).
 * Times are RFC 3339 strings.
 */
import type { InputSpec } from '../core/runbook/index.ts';

export interface Applied {
  name: string;
  version: number;
  created: boolean;
}

export interface RunbookSummary {
  name: string;
  version: number;
  title: string | null;
  labels: Record<string, string>;
  created_at: string;
}

export interface RunbookDetail extends RunbookSummary {
  description: string | null;
  inputs: Record<string, InputSpec>;
  source: string;
  versions?: { version: number; created_at: string; created_by: string | null }[];
}

export interface Decision {
  actor: string;
  decision: string;
  comment: string | null;
  at: string;
}

export interface TaskView {
  id: string;
  kind: string;
  status: string;
  run_id: string;
  step: string;
  message: string | null;
  deadline: string | null;
  quorum: number;
  decisions: Decision[];
}

export interface StepView {
  id: string;
  status: string;
  attempt: number;
  outputs: Record<string, unknown>;
  error: string | null;
  agent: string | null;
  site: string | null;
  task: TaskView | null;
  child_run_id: string | null;
}

export interface RunSummary {
  id: string;
  runbook: string;
  version: number;
  status: string;
  error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

export interface RunDetail extends RunSummary {
  inputs: Record<string, unknown> | null;
  outputs: Record<string, unknown> | null;
  steps: StepView[];
}

export interface RunEvent {
  id: number;
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

export interface RunStatus {
  id: string;
  status: string;
}

/** Run statuses after which nothing more happens. */
export const FINAL_RUN_STATUSES: readonly string[] = ['succeeded', 'failed', 'cancelled'];
