import type { ExprContext } from '../expr/index.ts';
import type { Draft } from './draft.ts';
import { specIndex } from './spec-index.ts';
import type { StepState } from './types.ts';

/** The CEL context a step of the run sees: inputs, steps' outputs and status, run, item. */
export function expressionContext(
  d: Draft,
  step?: StepState,
  extra: Record<string, unknown> = {},
): ExprContext {
  const run = d.run;
  const steps: Record<string, { outputs: unknown; status: string }> = {};
  for (const id of specIndex(run.runbook).byId.keys()) {
    const s = run.steps.get(id);
    if (s) steps[id] = { outputs: s.outputs ?? {}, status: s.status };
  }
  return {
    inputs: run.inputs,
    steps,
    run: {
      id: run.id,
      runbook: run.runbookName,
      version: run.runbookVersion,
      status: run.outcome ?? run.status,
      created_by: run.createdBy ?? '',
      started_at: run.startedAt === null ? '' : new Date(run.startedAt).toISOString(),
    },
    secrets: {},
    ...(step && step.index !== null ? { item: step.item } : {}),
    ...extra,
  };
}
