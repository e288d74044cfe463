/**
 * The command line's errors and exit codes. Scripts rely on the codes, so each failure kind
 * has its own: a missing run (3) is not a refused token (5) nor a server that is down (6).
 */
import { CommanderError } from 'commander';

export const ExitCode = {
  ok: 0,
  /** The operation ran and failed, e.g. a watched run ended failed or cancelled. */
  failed: 1,
  /** A bad flag, a bad file, or a request the server refused as invalid (400). */
  usage: 2,
  notFound: 3,
  conflict: 4,
  /** 401 or 403. */
  auth: 5,
  unreachable: 6,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** One problem of a request or a runbook, as the API reports it. */
export interface ApiErrorDetail {
  path: string;
  message: string;
  line?: number;
  column?: number;
}

export class CliError extends Error {
  readonly exitCode: ExitCode;
  /** The API's error code (`invalid_runbook`, `not_found`…) when the server answered. */
  readonly code: string | undefined;
  readonly details: ApiErrorDetail[];

  constructor(
    message: string,
    exitCode: ExitCode,
    opts: { code?: string; details?: ApiErrorDetail[]; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'CliError';
    this.exitCode = exitCode;
    this.code = opts.code;
    this.details = opts.details ?? [];
  }
}

/** The exit code for an HTTP error status. */
export function exitCodeForStatus(status: number): ExitCode {
  if (status === 401 || status === 403) return ExitCode.auth;
  if (status === 404) return ExitCode.notFound;
  if (status === 409) return ExitCode.conflict;
  // Any other refusal of the request itself (400, 413 too large, 415 media type, 422…).
  if (status >= 400 && status < 500) return ExitCode.usage;
  return ExitCode.failed;
}

/** `path (line L, col C): message`, the way one problem is shown to a user. */
export function formatDetail(d: ApiErrorDetail): string {
  const where = d.line === undefined ? '' : ` (line ${d.line}, col ${d.column ?? 1})`;
  return `${d.path === '' ? '(root)' : d.path}${where}: ${d.message}`;
}

/** The error's message followed by one indented line per detail. */
export function describeError(err: CliError): string {
  return [err.message, ...err.details.map((d) => `  ${formatDetail(d)}`)].join('\n');
}

/** Anything thrown, as a CliError with the exit code its kind calls for. */
export function toCliError(err: unknown): CliError {
  if (err instanceof CliError) return err;
  if (err instanceof CommanderError) {
    // Commander has printed its message already; help and --version end with code 0.
    return new CliError(err.message, err.exitCode === 0 ? ExitCode.ok : ExitCode.usage, { code: err.code });
  }
  if (err instanceof Error) return new CliError(err.message, ExitCode.failed, { cause: err });
  return new CliError(typeof err === 'string' ? err : JSON.stringify(err), ExitCode.failed);
}

/** A usage error raised by the CLI itself (bad `--input`, unreadable file…). */
export function usageError(message: string, details: ApiErrorDetail[] = []): CliError {
  return new CliError(message, ExitCode.usage, { details });
}
