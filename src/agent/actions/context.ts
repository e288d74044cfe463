/** What an action gets besides its own description. */
export interface ActionContext {
  runId: string;
  key: string;
  attempt: number;
  idempotencyKey: string;
  /** Aborted when the step is cancelled or its lease is lost. */
  signal: AbortSignal;
  onLog: (stream: 'stdout' | 'stderr', data: string) => void;
}
