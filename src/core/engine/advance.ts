import { errorMessage } from '../errors.ts';
import { evaluateCondition, renderDeep, renderTemplate, renderValue } from '../expr/index.ts';
import type { StepSpec } from '../runbook/model.ts';
import { expressionContext } from './context.ts';
import { newStep, type Draft } from './draft.ts';
import { compensationKey, itemKey, specIndex, stepSpec } from './spec-index.ts';
import { cancelStep, failStep, startStep, succeedStep } from './step-lifecycle.ts';
import { TERMINAL_STEP, type Outcome, type StepState, type StepStatus } from './types.ts';

// A function, not an inline test: the compiler would narrow `phase` across the calls that change it.
const isDone = (phase: string) => phase === 'done';

const ACTIVE: ReadonlySet<StepStatus> = new Set(['pending', 'ready', 'running', 'waiting']);

/**
 * Move the run as far as it can go now: start every step whose needs are met, expand foreach
 * steps, sum up finished foreach steps, and pass from the main graph to compensation, `finally`
 * and done. Called after every event.
 */
export function advance(d: Draft): void {
  const run = d.run;
  if (run.status === 'pending' || run.phase === 'done') return;
  for (let guard = 0; guard < 10_000; guard++) {
    if (run.status === 'paused') return;
    const before = d.changed.size + d.effects.length;
    if (run.phase === 'main') advanceGraph(d, specIndex(run.runbook).main);
    else if (run.phase === 'finally') advanceGraph(d, specIndex(run.runbook).fin);
    else if (run.phase === 'compensating') advanceCompensation(d);
    if (isDone(run.phase)) {
      finishRun(d);
      return;
    }
    const moved = d.changed.size + d.effects.length !== before;
    if (!moved) return;
  }
  throw new Error(`run ${run.id} does not settle`);
}

function needsState(d: Draft, spec: StepSpec): 'met' | 'blocked' | 'wait' {
  let state: 'met' | 'wait' = 'met';
  for (const need of spec.needs ?? []) {
    const s = d.get(need);
    if (!s) return 'blocked';
    if (s.status === 'succeeded' || s.status === 'skipped') continue;
    if (s.status === 'failed' && stepSpec(d.run.runbook, need).continue_on_error) continue;
    if (TERMINAL_STEP.has(s.status)) return 'blocked';
    state = 'wait';
  }
  return state;
}

/** Admitted steps passed `if` and hold their concurrency key: they only need (re)starting. */
const admitted = (s: StepState) => s.action !== null || s.startedAt !== null;

function advanceGraph(d: Draft, specs: StepSpec[]): void {
  const run = d.run;
  const stopping = run.outcome !== null && run.phase === 'main';
  for (const spec of specs) {
    const s = d.get(spec.id);
    if (!s) continue;
    if (s.status === 'running' && spec.foreach !== undefined && s.index === null) {
      advanceItems(d, spec, s);
      continue;
    }
    if (s.status !== 'pending' || stopping) continue;
    if (admitted(s)) {
      if (s.availableAt === null || s.availableAt <= d.now) startOrRequeue(d, s.key);
      continue;
    }
    const needs = needsState(d, spec);
    if (needs === 'wait') continue;
    if (needs === 'blocked') {
      cancelStep(d, spec.id, 'a step it needs did not succeed');
      continue;
    }
    admit(d, spec, spec.id);
  }
  const active = [...run.steps.values()].some(
    (s) => s.phase === phaseOfGraph(run.phase) && ACTIVE.has(s.status),
  );
  if (!active) endGraph(d);
}

const phaseOfGraph = (phase: string) => (phase === 'finally' ? 'finally' : 'main');

/** Restart an admitted step (retry after back-off, resume after pause). */
function startOrRequeue(d: Draft, key: string): void {
  const s = d.get(key)!;
  if (s.action !== null) {
    const w = d.edit(key);
    w.status = 'ready';
    w.availableAt = d.now;
  } else startStep(d, key);
}

/** First start of a step whose needs are met: `if`, then foreach, then concurrency. */
function admit(d: Draft, spec: StepSpec, key: string): void {
  const s = d.get(key)!;
  const ctx = expressionContext(d, s);
  try {
    if (spec.if !== undefined && s.index === null && !evaluateCondition(spec.if, ctx)) {
      const w = d.edit(key);
      w.status = 'skipped';
      w.finishedAt = d.now;
      d.record('step.skipped', { key, data: { if: spec.if } });
      return;
    }
    if (spec.foreach !== undefined && s.index === null) return expand(d, spec, key);
    if (spec.concurrency) {
      const w = d.edit(key);
      const concurrencyKey = renderTemplate(spec.concurrency.key, ctx);
      w.concurrencyKey = concurrencyKey;
      w.status = 'waiting';
      w.startedAt = d.now;
      d.emit({
        type: 'concurrency.acquire',
        key: concurrencyKey,
        limit: spec.concurrency.limit,
        holder: `${d.run.id}/${key}`,
        stepKey: key,
      });
      d.record('step.waiting', { key, data: { concurrency_key: w.concurrencyKey } });
      return;
    }
  } catch (err: unknown) {
    failStep(d, key, errorMessage(err), false);
    return;
  }
  startStep(d, key);
}

function expand(d: Draft, spec: StepSpec, key: string): void {
  const ctx = expressionContext(d);
  const raw =
    typeof spec.foreach === 'string' ? renderValue(spec.foreach, ctx) : renderDeep(spec.foreach, ctx);
  if (!Array.isArray(raw)) {
    failStep(d, key, `foreach must give a list, got ${raw === null ? 'null' : typeof raw}`, false);
    return;
  }
  const parent = d.edit(key);
  parent.status = 'running';
  parent.attempt = 1;
  parent.startedAt = d.now;
  raw.forEach((item: unknown, index) => {
    d.add(
      newStep(
        {
          key: itemKey(spec.id, index),
          stepId: spec.id,
          phase: parent.phase,
          index,
          item,
          maxAttempts: parent.maxAttempts,
        },
        d.now,
      ),
    );
  });
  d.record('step.expanded', { key, data: { items: raw.length } });
  advanceItems(d, spec, parent);
}

function itemsOf(d: Draft, spec: StepSpec): StepState[] {
  const items: StepState[] = [];
  for (let i = 0; ; i++) {
    const s = d.get(itemKey(spec.id, i));
    if (!s) return items;
    items.push(s);
  }
}

function advanceItems(d: Draft, spec: StepSpec, parent: StepState): void {
  const items = itemsOf(d, spec);
  const failed = items.some((i) => i.status === 'failed');
  const stop = (failed && !spec.continue_on_error) || (d.run.outcome !== null && d.run.phase === 'main');
  let active = items.filter(
    (i) => i.status === 'ready' || i.status === 'running' || i.status === 'waiting',
  ).length;
  const limit = spec.max_parallel ?? Infinity;
  for (const item of items) {
    if (item.status !== 'pending') continue;
    if (stop) {
      cancelStep(d, item.key, 'another item failed');
      continue;
    }
    if (admitted(item)) {
      if (item.availableAt === null || item.availableAt <= d.now) startOrRequeue(d, item.key);
      continue;
    }
    if (active >= limit) continue;
    active++;
    admit(d, spec, item.key);
  }
  const now = itemsOf(d, spec);
  if (now.every((i) => TERMINAL_STEP.has(i.status))) {
    const outputs = now.map((i) => (Array.isArray(i.outputs) ? {} : (i.outputs ?? {})));
    const failures = now.filter((i) => i.status === 'failed').length;
    if (failures === 0 && !now.some((i) => i.status === 'cancelled')) {
      succeedStep(d, parent.key, outputs, null);
    } else {
      const p = d.edit(parent.key);
      p.outputs = outputs;
      failStep(d, parent.key, `${failures} of ${now.length} items failed`, false);
    }
  }
}

function endGraph(d: Draft): void {
  const run = d.run;
  if (run.phase === 'main') {
    run.outcome ??= 'succeeded';
    run.phase = run.outcome === 'failed' ? 'compensating' : 'finally';
    d.record('run.phase', { data: { phase: run.phase, outcome: run.outcome } });
  } else if (run.phase === 'finally') {
    run.phase = 'done';
  }
}

function advanceCompensation(d: Draft): void {
  const run = d.run;
  const steps = [...run.steps.values()];
  if (steps.some((s) => s.phase === 'compensate' && ACTIVE.has(s.status))) return;
  const candidates = steps
    .filter(
      (s) =>
        s.phase !== 'compensate' &&
        s.status === 'succeeded' &&
        s.completedSeq !== null &&
        !(stepSpec(run.runbook, s.stepId).foreach !== undefined && s.index === null) &&
        stepSpec(run.runbook, s.stepId).compensate !== undefined &&
        compensable(run.steps.get(compensationKey(s.key))),
    )
    .sort((a, b) => b.completedSeq! - a.completedSeq!);
  const next = candidates[0];
  if (!next) {
    run.phase = 'finally';
    d.record('run.phase', { data: { phase: 'finally', outcome: run.outcome } });
    return;
  }
  const key = compensationKey(next.key);
  // A row left from before a manual retry is reused: the key stays unique.
  d.add(
    newStep({ key, stepId: next.stepId, phase: 'compensate', index: next.index, item: next.item }, d.now),
  );
  d.record('compensation.started', { key: next.key });
  startStep(d, key);
}

/** Not yet compensated: no compensation row, or one set aside by a manual retry. */
const compensable = (row: StepState | undefined) => row === undefined || row.status === 'cancelled';

function finishRun(d: Draft): void {
  const run = d.run;
  let status: Outcome = run.outcome ?? 'succeeded';
  const finallyFailed = [...run.steps.values()].some((s) => s.phase === 'finally' && s.status === 'failed');
  if (status === 'succeeded' && finallyFailed) {
    status = 'failed';
    run.error = 'a finally step failed';
  }
  if (status === 'succeeded' && run.runbook.spec.outputs) {
    try {
      const ctx = expressionContext(d);
      const outputs: Record<string, unknown> = {};
      for (const [name, tpl] of Object.entries(run.runbook.spec.outputs))
        outputs[name] = renderValue(tpl, ctx);
      run.outputs = outputs;
    } catch (err: unknown) {
      status = 'failed';
      run.error = `runbook outputs: ${errorMessage(err)}`;
    }
  }
  run.status = status;
  run.finishedAt = d.now;
  d.record('run.finished', { data: { status, error: run.error } });
  if (run.concurrencyKey) d.emit({ type: 'concurrency.release', key: run.concurrencyKey, holder: run.id });
  if (run.parentRunId && run.parentStepKey) {
    d.emit({
      type: 'parent.notify',
      parentRunId: run.parentRunId,
      parentStepKey: run.parentStepKey,
      status,
      outputs: run.outputs,
      error: run.error,
    });
  }
}
