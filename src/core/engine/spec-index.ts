import type { CompensateSpec, Runbook, StepSpec } from '../runbook/model.ts';
import type { StepPhase, StepState } from './types.ts';

interface SpecIndex {
  /** Names used as `secrets.NAME` anywhere in the runbook. */
  secretNames: string[];
  byId: Map<string, StepSpec>;
  phaseOf: Map<string, StepPhase>;
  main: StepSpec[];
  fin: StepSpec[];
}

const cache = new WeakMap<Runbook, SpecIndex>();

/** Step specs by id, computed once per runbook object. */
export function specIndex(runbook: Runbook): SpecIndex {
  let index = cache.get(runbook);
  if (!index) {
    const byId = new Map<string, StepSpec>();
    const phaseOf = new Map<string, StepPhase>();
    for (const s of runbook.spec.steps) {
      byId.set(s.id, s);
      phaseOf.set(s.id, 'main');
    }
    for (const s of runbook.spec.finally ?? []) {
      byId.set(s.id, s);
      phaseOf.set(s.id, 'finally');
    }
    const secretNames = [
      ...new Set(
        [...JSON.stringify(runbook).matchAll(/\bsecrets\.([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!),
      ),
    ];
    index = { secretNames, byId, phaseOf, main: runbook.spec.steps, fin: runbook.spec.finally ?? [] };
    cache.set(runbook, index);
  }
  return index;
}

export function stepSpec(runbook: Runbook, stepId: string): StepSpec {
  const spec = specIndex(runbook).byId.get(stepId);
  if (!spec) throw new Error(`runbook ${runbook.metadata.name} has no step ${stepId}`);
  return spec;
}

/** The body a step row executes: the step itself, or its `compensate:` for a compensation row. */
export function bodyOf(runbook: Runbook, step: StepState): CompensateSpec {
  const spec = stepSpec(runbook, step.stepId);
  if (step.phase === 'compensate') {
    if (!spec.compensate) throw new Error(`step ${spec.id} has no compensate`);
    return spec.compensate;
  }
  return spec;
}

export const itemKey = (stepId: string, index: number) => `${stepId}[${index}]`;
export const compensationKey = (key: string) => `${key}~compensate`;
/** The unit a compensation row undoes. */
export const compensatedKey = (key: string) => key.slice(0, -'~compensate'.length);
export const isItem = (step: StepState) => step.index !== null && step.phase !== 'compensate';
