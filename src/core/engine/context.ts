import type { ExprContext } from '../expr/index.ts';
import type { Draft } from './draft.ts';
import { secretRef } from '../secret-ref.ts';
import { specIndex } from './spec-index.ts';
import type { StepState } from './types.ts';

/** The CEL context a step of the run sees: inputs, steps' outputs and status, run, item. */
export function expressionContext(
  d: Draft,
  step?: StepState,
  extra: Record<string, unknown> = {},
): ExprContext {
  const run = d.run;
  const index = specIndex(run.runbook);
  const steps: Record<string, { outputs: unknown; status: string }> = {};
  for (const id of index.byId.keys()) {
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
    // References, not values: the claim puts values in (see secret-ref.ts).
    secrets: Object.fromEntries(index.secretNames.map((n) => [n, secretRef(n, d.secretNonce())])),
    ...(step && step.index !== null ? { item: step.item } : {}),
    ...extra,
  };
}
