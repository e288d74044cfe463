/** A tiny driver for the pure engine in tests: it plays the store, the clock and the agents. */
import { parseRunbook } from '../runbook/index.ts';
import { resolveInputs } from '../runbook/index.ts';
import { transition } from './transition.ts';
import type { Effect, EngineEvent, RunState, StepResult, StepStatus, TransitionOutcome } from './types.ts';

export class Sim {
  state: RunState;
  effects: Effect[] = [];
  now = 1_000_000;
  private ids = 0;
  private tokens = 0;

  constructor(yaml: string, inputs: Record<string, unknown> = {}, createdBy = 'alice') {
    const runbook = parseRunbook(yaml);
    this.state = {
      id: 'run-1',
      runbookName: runbook.metadata.name,
      runbookVersion: 1,
      runbook,
      status: 'pending',
      phase: 'main',
      outcome: null,
      inputs: resolveInputs(runbook.spec.inputs, inputs),
      outputs: null,
      error: null,
      parentRunId: null,
      parentStepKey: null,
      concurrencyKey: null,
      completionSeq: 0,
      version: 0,
      createdBy,
      createdAt: this.now,
      startedAt: null,
      finishedAt: null,
      steps: new Map(),
    };
  }

  send(event: EngineEvent): TransitionOutcome {
    const out = transition(this.state, event, {
      now: this.now,
      newId: () => `id-${String(++this.ids).padStart(8, '0')}`,
      random: () => 0.5,
    });
    if (out.refused === undefined) {
      this.state = out.run;
      this.effects.push(...out.effects);
    }
    return out;
  }

  start(): this {
    this.send({ type: 'start' });
    return this;
  }

  status(key: string): StepStatus | undefined {
    return this.state.steps.get(key)?.status;
  }

  ready(): string[] {
    return [...this.state.steps.values()].filter((s) => s.status === 'ready').map((s) => s.key);
  }

  /** What the store's claim does: ready → running with a new attempt and lease token. */
  claim(key: string): { attempt: number; leaseToken: string } {
    const s = this.state.steps.get(key);
    if (s?.status !== 'ready') throw new Error(`step ${key} is ${s?.status ?? 'missing'}, not ready`);
    const leaseToken = `lease-${++this.tokens}`;
    const steps = new Map(this.state.steps);
    steps.set(key, { ...s, status: 'running', attempt: s.attempt + 1, leaseToken, agent: 'agent-1' });
    this.state = { ...this.state, steps };
    return { attempt: s.attempt + 1, leaseToken };
  }

  report(key: string, result: StepResult): TransitionOutcome {
    const s = this.state.steps.get(key)!;
    return this.send({
      type: 'step.result',
      key,
      attempt: s.attempt,
      leaseToken: s.leaseToken ?? '',
      result,
    });
  }

  /** Claim and succeed in one go. */
  run(
    key: string,
    outputs: Record<string, string> = {},
    result: unknown = { exit_code: 0, stdout: '', stderr: '' },
  ) {
    this.claim(key);
    const out = this.report(key, { ok: true, outputs, result });
    if (out.refused) throw new Error(out.refused);
    return out;
  }

  fail(key: string, error = 'boom', retryable = true) {
    this.claim(key);
    return this.report(key, { ok: false, error, retryable });
  }

  events(): string[] {
    return this.effects.flatMap((e) => (e.type === 'event' ? [`${e.event}${e.key ? ` ${e.key}` : ''}`] : []));
  }

  timers() {
    return this.effects.filter((e): e is Extract<Effect, { type: 'timer' }> => e.type === 'timer');
  }

  task(key: string): string {
    const id = this.state.steps.get(key)?.taskId;
    if (!id) throw new Error(`step ${key} has no task`);
    return id;
  }
}

export const runbook = (steps: string, extra = '') => `apiVersion: tandem/v1
kind: Runbook
metadata:
  name: test
spec:
${extra}  steps:
${steps}`;
