import type { Effect, RunState, StepState, TransitionInput } from './types.ts';

/**
 * A change-tracking working copy of a run. Transitions mutate the draft; the state they were
 * given is never touched, so the core stays pure while copying only the steps it changes.
 */
export class Draft {
  readonly run: RunState;
  readonly changed = new Set<string>();
  readonly effects: Effect[] = [];
  readonly now: number;
  readonly input: TransitionInput;
  /** Set by a handler that refuses an event because of who acts (see TransitionOutcome). */
  forbidden = false;

  constructor(state: RunState, input: TransitionInput) {
    this.run = { ...state, steps: new Map(state.steps) };
    this.input = input;
    this.now = input.now;
  }

  /** The step for reading; undefined when it does not exist. */
  get(key: string): StepState | undefined {
    return this.run.steps.get(key);
  }

  /** A writable copy of the step, recorded as changed. */
  edit(key: string): StepState {
    const current = this.run.steps.get(key);
    if (!current) throw new Error(`no step ${key} in run ${this.run.id}`);
    if (this.changed.has(key)) return current;
    const copy = { ...current };
    this.run.steps.set(key, copy);
    this.changed.add(key);
    return copy;
  }

  add(step: StepState): StepState {
    this.run.steps.set(step.key, step);
    this.changed.add(step.key);
    return step;
  }

  emit(effect: Effect): void {
    this.effects.push(effect);
  }

  private nonce: string | undefined;

  /** The nonce of this transition's secret references (see secret-ref.ts). */
  secretNonce(): string {
    this.nonce ??= this.input.newId().replace(/[^A-Za-z0-9]/g, '');
    return this.nonce;
  }

  record(
    event: string,
    fields: { key?: string; attempt?: number; actor?: string | null; data?: unknown } = {},
  ) {
    this.effects.push({ type: 'event', event, ...fields });
  }
}

export function newStep(
  fields: Pick<StepState, 'key' | 'stepId' | 'phase'> & Partial<StepState>,
  now: number,
): StepState {
  return {
    index: null,
    item: null,
    status: 'pending',
    attempt: 0,
    maxAttempts: 1,
    action: null,
    site: null,
    labels: null,
    availableAt: null,
    leaseToken: null,
    leaseExpiresAt: null,
    agent: null,
    outputs: null,
    result: null,
    error: null,
    completedSeq: null,
    childRunId: null,
    taskId: null,
    concurrencyKey: null,
    cancelRequested: false,
    createdAt: now,
    startedAt: null,
    finishedAt: null,
    ...fields,
  };
}
