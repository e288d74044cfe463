import type { RunState } from '../core/engine/index.ts';
import type { Runbook } from '../core/runbook/model.ts';

/** A run as it is before its `start` event. */
export function newRunState(args: {
  id: string;
  runbook: Runbook;
  version: number;
  inputs: Record<string, unknown>;
  createdBy: string | null;
  parent?: { runId: string; stepKey: string };
  now: number;
}): RunState {
  return {
    id: args.id,
    runbookName: args.runbook.metadata.name,
    runbookVersion: args.version,
    runbook: args.runbook,
    status: 'pending',
    phase: 'main',
    outcome: null,
    inputs: args.inputs,
    outputs: null,
    error: null,
    parentRunId: args.parent?.runId ?? null,
    parentStepKey: args.parent?.stepKey ?? null,
    concurrencyKey: null,
    completionSeq: 0,
    version: 0,
    createdBy: args.createdBy,
    createdAt: args.now,
    startedAt: null,
    finishedAt: null,
    steps: new Map(),
  };
}
