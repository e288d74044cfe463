/**
 * Run reports: what a run did, told for people (markdown) and scripts (JSON), built by a pure
 * function from the run's recorded data.
 *
 * Glossary
 * - report: a run's header (runbook, version, who started it, when, how long, how it ended), its
 *   inputs (secret ones masked), timeline, decisions, outputs, a log summary per step and, when
 *   the run measured them, its RTO and RPO.
 * - timeline: the run's history (its append-only events), one sentence each, with who acted.
 * - measurements: the figures a disaster-recovery run reports as outputs: `rto_ms` (time to
 *   recover), `rpo_transactions` (acknowledged writes lost) and `report` (its own markdown).
 * - related history: past incidents and runs about the same resources of the estate.
 */

/** A run as the report needs it. Times are ms since the epoch. */
export interface ReportRun {
  id: string;
  runbook: string;
  version: number;
  title: string | null;
  status: string;
  error: string | null;
  createdBy: string | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  parentRunId: string | null;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown> | null;
}

export interface ReportStep {
  key: string;
  stepId: string;
  phase: string;
  status: string;
  attempt: number;
  agent: string | null;
  site: string | null;
  startedAt: number | null;
  finishedAt: number | null;
  error: string | null;
  outputs: Record<string, unknown> | null;
  /** The exit code of a shell or script step's last attempt, when it has one. */
  exitCode: number | null;
  childRunId: string | null;
}

/** One entry of the run's history. */
export interface ReportEvent {
  id: number;
  type: string;
  stepKey: string | null;
  attempt: number | null;
  actor: string | null;
  data: Record<string, unknown> | null;
  at: number;
}

export interface ReportDecision {
  actor: string;
  decision: string;
  comment: string | null;
  outputs: unknown;
  at: number;
}

/** An approval or manual task of the run, with the decisions taken on it. */
export interface ReportTask {
  id: string;
  stepKey: string;
  kind: string;
  title: string | null;
  status: string;
  createdAt: number;
  closedAt: number | null;
  decisions: ReportDecision[];
}

export interface ReportComment {
  author: string;
  body: string;
  at: number;
}

/** What the store knows of a step's logs: sizes over every attempt, the tail of the last one. */
export interface StepLogTail {
  key: string;
  /** Attempts that wrote anything. */
  attempts: number;
  lastAttempt: number;
  /** Bytes kept in the store for the step, every attempt. */
  bytes: number;
  /** The last chunks of the last attempt, in order (stdout and stderr interleaved). */
  tail: string;
}

/** A past incident or run about one of the same resources. */
export interface RelatedItem {
  kind: string;
  refId: string;
  title: string;
  status: string | null;
  at: number;
  /** The resources it shares with what it is related to. */
  resources: string[];
}

/** Everything a run report is made from; the shell loads it, `buildRunReport` decides. */
export interface RunReportInput {
  run: ReportRun;
  /** Inputs the runbook declares `secret: true`: their values never show. */
  secretInputs: readonly string[];
  steps: readonly ReportStep[];
  /** The run's history from its start (at most `MAX_TIMELINE` events are shown). */
  events: readonly ReportEvent[];
  /** How many events the run's history holds in all. */
  eventCount: number;
  tasks: readonly ReportTask[];
  comments: readonly ReportComment[];
  logs: readonly StepLogTail[];
  /** The estate resources the run is about (`kind/name`). */
  resources: readonly string[];
  related: readonly RelatedItem[];
  generatedAt: number;
}

export interface TimelineEntry {
  at: string;
  /** ms since the run was created. */
  offset_ms: number;
  type: string;
  step: string | null;
  attempt: number | null;
  actor: string | null;
  text: string;
}

export interface DecisionEntry {
  task_id: string;
  step: string;
  kind: string;
  title: string | null;
  decision: string;
  actor: string;
  at: string;
  comment: string | null;
  outputs?: unknown;
}

export interface StepEntry {
  id: string;
  phase: string;
  status: string;
  attempt: number;
  agent: string | null;
  site: string | null;
  started_at: string | null;
  finished_at: string | null;
  duration_ms: number | null;
  error: string | null;
  exit_code: number | null;
  child_run_id: string | null;
  logs: { bytes: number; attempts: number; last_attempt: number; last_lines: string[] } | null;
}

export interface Measurements {
  rto_ms: number | null;
  rpo_transactions: number | null;
  /** The run's own markdown report (a `report` output), when it wrote one. */
  report: string | null;
  /** Where they were found: `run outputs` or `step <id>`. */
  source: string;
}

/** The JSON form of a run report (`format` names its version). */
export interface RunReport {
  format: 'tandem.run-report/v1';
  generated_at: string;
  run: {
    id: string;
    runbook: string;
    version: number;
    title: string | null;
    status: string;
    error: string | null;
    started_by: string | null;
    created_at: string;
    started_at: string | null;
    finished_at: string | null;
    duration_ms: number | null;
    parent_run_id: string | null;
  };
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
  measurements: Measurements | null;
  resources: string[];
  timeline: TimelineEntry[];
  /** Events left out of `timeline` past its limit. */
  timeline_omitted: number;
  decisions: DecisionEntry[];
  steps: StepEntry[];
  comments: { author: string; at: string; body: string }[];
  related: {
    kind: string;
    id: string;
    title: string;
    status: string | null;
    at: string;
    resources: string[];
  }[];
}
