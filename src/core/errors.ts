/**
 * The error hierarchy shared by every layer. Each error has a `code` a caller can switch on,
 * a message a user can act on, and says whether trying again may help.
 */
export type TandemErrorCode =
  | 'invalid_input'
  | 'invalid_runbook'
  | 'not_found'
  | 'conflict'
  | 'unauthorized'
  | 'forbidden'
  | 'expression'
  | 'lease_lost'
  | 'unavailable'
  | 'internal';

export interface ErrorDetail {
  /** Dotted path of the offending field, e.g. `spec.steps[2].needs[0]`. */
  path: string;
  message: string;
  line?: number;
  column?: number;
}

export class TandemError extends Error {
  readonly code: TandemErrorCode;
  readonly retryable: boolean;
  readonly details: ErrorDetail[];

  constructor(
    code: TandemErrorCode,
    message: string,
    opts: { cause?: unknown; retryable?: boolean; details?: ErrorDetail[] } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'TandemError';
    this.code = code;
    this.retryable = opts.retryable ?? false;
    this.details = opts.details ?? [];
  }
}

export function isTandemError(err: unknown, code?: TandemErrorCode): err is TandemError {
  return err instanceof TandemError && (code === undefined || err.code === code);
}

/** Normalise anything thrown into an Error with a readable message. */
export function toError(err: unknown): Error {
  if (err instanceof Error) return err;
  return new Error(typeof err === 'string' ? err : JSON.stringify(err));
}

export function errorMessage(err: unknown): string {
  return toError(err).message;
}

export function assertNever(value: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}
