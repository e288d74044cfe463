import type { StepResult } from '../core/engine/index.ts';
import type { ClaimedStep, LeaseRef } from '../store/index.ts';

export type { ClaimedStep, LeaseRef };

export interface LogChunk {
  runId: string;
  key: string;
  attempt: number;
  stream: 'stdout' | 'stderr';
  data: string;
}

export interface AttemptReport extends LeaseRef {
  result: StepResult;
}

/**
 * What an agent needs from the control plane. The embedded agent calls the engine in-process;
 * a site agent makes the same calls over HTTP.
 */
export interface AgentApi {
  /** Claim up to `max` steps, waiting up to `waitMs` for one to become ready. */
  claim(max: number, waitMs: number, signal: AbortSignal): Promise<ClaimedStep[]>;
  /** Extend leases; returns those lost (the step was cancelled or the lease expired). */
  heartbeat(leases: LeaseRef[]): Promise<LeaseRef[]>;
  /** Report results; claims up to `claimMore` further steps in the same round trip. */
  complete(
    results: AttemptReport[],
    claimMore: number,
  ): Promise<{ refused: (LeaseRef & { reason: string })[]; claimed: ClaimedStep[] }>;
  appendLogs(chunks: LogChunk[]): Promise<void>;
}
