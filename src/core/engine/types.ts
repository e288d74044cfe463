/**
 * The engine's pure model: the state of a run, the events that move it and the effects it asks
 * the shell to perform.
 *
 * Glossary
 * - run: one execution of a pinned runbook version with its inputs.
 * - step: one unit of a run, keyed `id`, `id[n]` (a foreach item) or `id~compensate`.
 * - attempt: one try of a step; 1 on the first try. A claim starts an attempt.
 * - lease: an agent's time-limited hold on a running attempt, fenced by a random token.
 * - phase: where the run stands: the main graph, compensation, `finally`, or done.
 * - outcome: how the main graph ended; what `run.status` shows to `finally` steps.
 * - task: a step waiting for people: an approval, or manual work with a form (kind `task`).
 * - assignees: who may act on a task now; escalation replaces them when a deadline passes.
 * - timer: a durable row that delivers an event at a time (back-off, sleep, deadline…).
 */
import type { AssigneesSpec, Runbook } from '../runbook/model.ts';

export type RunStatus = 'pending' | 'running' | 'waiting' | 'paused' | 'succeeded' | 'failed' | 'cancelled';
export type StepStatus =
  | 'pending'
  | 'ready'
  | 'running'
  | 'waiting'
  | 'succeeded'
  | 'failed'
  | 'skipped'
  | 'cancelled'
  | 'compensated';
export type RunPhase = 'main' | 'compensating' | 'finally' | 'done';
export type StepPhase = 'main' | 'finally' | 'compensate';
export type Outcome = 'succeeded' | 'failed' | 'cancelled';

export const TERMINAL_STEP: ReadonlySet<StepStatus> = new Set([
  'succeeded',
  'failed',
  'skipped',
  'cancelled',
  'compensated',
]);
export const TERMINAL_RUN: ReadonlySet<RunStatus> = new Set(['succeeded', 'failed', 'cancelled']);

/** Outputs are strings as written; a foreach step's outputs are its items' outputs in order. */
export type StepOutputs = Record<string, string> | Record<string, string>[];

/** What an agent is asked to do; `secretNonce` marks the secret references it may resolve. */
export type Action = (
  | {
      kind: 'shell';
      command: string;
      env: Record<string, string>;
      /** Run as this local user (the agent switches only when it runs as root). */
      user?: string;
      workingDir?: string;
      timeoutMs?: number;
      killGraceMs: number;
    }
  | {
      kind: 'script';
      interpreter: string;
      body: string;
      args: string[];
      env: Record<string, string>;
      user?: string;
      workingDir?: string;
      timeoutMs?: number;
      killGraceMs: number;
    }
  | {
      kind: 'http';
      method: string;
      url: string;
      headers: Record<string, string>;
      body?: string;
      expectStatus: number[];
      insecureTls: boolean;
      /** PEM of a CA to trust for this request. */
      ca?: string;
      timeoutMs?: number;
    }
  | (RemoteLogin & {
      kind: 'ssh';
      /** Run by the remote user's shell; exactly one of command and upload is set. */
      command?: string;
      upload?: { content: string; path: string; mode?: string };
      /** Exported in the remote shell before the command. */
      env: Record<string, string>;
      workingDir?: string;
      timeoutMs?: number;
      killGraceMs: number;
    })
  | (RemoteLogin & {
      kind: 'ansible';
      /** Exactly one of an inline playbook (YAML or JSON text) and a playbook file on the agent. */
      playbook?: string;
      playbookFile?: string;
      extraVars: Record<string, unknown>;
      check: boolean;
      env: Record<string, string>;
      workingDir?: string;
      timeoutMs?: number;
      killGraceMs: number;
    })
  | {
      kind: 'probe';
      check:
        | {
            type: 'http';
            method: string;
            url: string;
            headers: Record<string, string>;
            expectStatus: number[];
            contains?: string;
          }
        | { type: 'tcp'; host: string; port: number }
        | { type: 'dns'; name: string; recordType: string; resolver?: string; expect?: string };
      timeoutMs: number;
      /** Hosts from the estate (see `Targets`): the check runs against each of them. */
      targets?: Targets;
      /** The hosts `targets` picked, set by the server at claim time. */
      hosts?: string[];
    }
) & { secretNonce?: string };

/** A host an ssh or ansible step logs in to. */
export interface RemoteHost {
  host: string;
  port: number;
}

/** An SSH host key a site trusts: `publicKey` is the key blob in base64, as in known_hosts. */
export interface KnownHost {
  host: string;
  port: number;
  keyType: string;
  publicKey: string;
}

/**
 * Hosts a step takes from the estate: the resources `selector` picks in `site`, resolved by the
 * server when the step is claimed (so a retry sees the estate of its own time).
 */
export interface Targets {
  selector: string;
  site: string;
  /** The port of hosts whose resource gives none. */
  port?: number;
}

/** Where and as whom ssh and ansible steps log in. Secrets arrive resolved, at claim time. */
export interface RemoteLogin {
  /** The step's site, for messages (how to trust a host key). */
  site: string;
  /** Empty when rendered with `targets`: the server fills it when the step is claimed. */
  hosts: RemoteHost[];
  targets?: Targets;
  user: string;
  /** A private key (OpenSSH or PEM) and/or a password; the agent's own keys are never used. */
  key?: string;
  password?: string;
  connectTimeoutMs: number;
  maxParallel: number;
  /**
   * The site's trusted host keys, attached by the server when the step is claimed (empty when
   * rendered). Host keys are checked strictly against them: an unknown key fails the host.
   */
  knownHosts: KnownHost[];
}

export interface StepState {
  key: string;
  stepId: string;
  phase: StepPhase;
  index: number | null;
  item: unknown;
  status: StepStatus;
  attempt: number;
  maxAttempts: number;
  action: Action | null;
  site: string | null;
  labels: string[] | null;
  /** A pending step with a back-off waits until then; a ready step is claimable from then. */
  availableAt: number | null;
  leaseToken: string | null;
  leaseExpiresAt: number | null;
  agent: string | null;
  outputs: StepOutputs | null;
  result: unknown;
  error: string | null;
  completedSeq: number | null;
  childRunId: string | null;
  taskId: string | null;
  concurrencyKey: string | null;
  cancelRequested: boolean;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
}

export interface RunState {
  id: string;
  runbookName: string;
  runbookVersion: number;
  runbook: Runbook;
  status: RunStatus;
  phase: RunPhase;
  outcome: Outcome | null;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown> | null;
  error: string | null;
  parentRunId: string | null;
  parentStepKey: string | null;
  concurrencyKey: string | null;
  completionSeq: number;
  /** The store's version of the run when it was loaded (the shell's optimistic writes check it). */
  version: number;
  createdBy: string | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  steps: Map<string, StepState>;
}

/** What an agent reports for an attempt. */
export interface StepResult {
  ok: boolean;
  /** Outputs written to `$TANDEM_OUTPUTS` (shell/script) or derived by the action. */
  outputs?: Record<string, string>;
  /** `{ exit_code, stdout, stderr }` for shell/script, `{ status, headers, body }` for http. */
  result?: unknown;
  error?: string;
  /** False when trying again cannot help (e.g. a bad URL). */
  retryable?: boolean;
}

export interface Decision {
  actor: string;
  decision: 'approve' | 'reject';
  comment: string | null;
}

export type EngineEvent =
  | { type: 'start' }
  | {
      type: 'step.result';
      key: string;
      attempt: number;
      leaseToken: string;
      result: StepResult;
      agent?: string;
    }
  | { type: 'lease.expired'; key: string; attempt: number }
  | { type: 'timer'; kind: TimerKind; key: string | null; attempt: number | null; data?: unknown }
  | { type: 'decision'; key: string; taskId: string; decision: Decision; decisions: Decision[] }
  /** A person completed a manual task; `answers` passed its form (the shell checks them). */
  | { type: 'task.complete'; key: string; taskId: string; actor: string; answers: Record<string, unknown> }
  | {
      type: 'child.finished';
      key: string;
      childRunId: string;
      status: Outcome;
      outputs: unknown;
      error: string | null;
    }
  | { type: 'concurrency.granted'; key: string | null }
  | { type: 'cancel'; actor: string | null; compensate: boolean; reason?: string }
  | { type: 'pause'; actor: string | null }
  | { type: 'resume'; actor: string | null }
  | { type: 'retry'; actor: string | null };

/**
 * `approval-deadline` and `task-deadline` end the first period of an approval or a manual task;
 * `escalation-deadline` ends the period after it was escalated.
 */
export type TimerKind =
  | 'retry'
  | 'sleep'
  | 'wait_until'
  | 'step-timeout'
  | 'approval-deadline'
  | 'task-deadline'
  | 'escalation-deadline'
  | 'run-timeout';

/** Who may act on a task: a role, a team or named users (anyone matching one of them). */
export type Assignees = AssigneesSpec;

export type TaskKind = 'approval' | 'task';

export type Effect =
  | { type: 'event'; event: string; key?: string; attempt?: number; actor?: string | null; data?: unknown }
  | { type: 'timer'; kind: TimerKind; key: string | null; attempt: number | null; dueAt: number }
  | {
      type: 'task.create';
      taskId: string;
      key: string;
      kind: TaskKind;
      /** The rendered step body (approval or task), plus `excluded`: who may not approve. */
      spec: unknown;
      /** The rendered message of an approval, or the title of a task. */
      title: string | null;
      /** Null: anyone who may decide on (approval) or work on (task) the run's tasks. */
      assignees: Assignees | null;
      deadline: number | null;
    }
  /** The deadline passed: the task moves to other people with a new deadline. */
  | { type: 'task.escalate'; taskId: string; assignees: Assignees; deadline: number; level: number }
  | {
      type: 'task.close';
      taskId: string;
      status: 'approved' | 'rejected' | 'expired' | 'cancelled' | 'completed';
    }
  | { type: 'child.start'; key: string; childRunId: string; runbook: string; inputs: Record<string, unknown> }
  | { type: 'child.cancel'; childRunId: string }
  | {
      type: 'parent.notify';
      parentRunId: string;
      parentStepKey: string;
      status: Outcome;
      outputs: unknown;
      error: string | null;
    }
  | { type: 'concurrency.acquire'; key: string; limit: number; holder: string; stepKey: string | null }
  | { type: 'concurrency.release'; key: string; holder: string };

/** Values from outside that a transition may use; tests fix them. */
export interface TransitionInput {
  now: number;
  newId: () => string;
  random: () => number;
}

export interface TransitionOutcome {
  run: RunState;
  /** Keys of steps created or changed. */
  changed: Set<string>;
  effects: Effect[];
  /** Set when the event was refused (e.g. a late result of an older attempt). */
  refused?: string;
  /** With `refused`: the refusal is about who acts (four-eyes), not about the state of the run. */
  forbidden?: boolean;
}
