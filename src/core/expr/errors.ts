/**
 * The one error of the expression layer. Every failure — syntax, bounds, a missing output, a
 * condition that is not a bool, a value in the wrong place of a shell line — is an
 * `ExpressionError` (code `expression`), with the expression it is about and where.
 */
import { TandemError } from '../errors.ts';

const MAX_SOURCE_IN_MESSAGE = 160;

export interface ExpressionErrorOptions {
  /** The CEL source (the text inside `${{ }}`), or the whole template for template errors. */
  source: string;
  /** 0-based offset of the problem: in the template text, or in `source` for bare expressions. */
  column?: number;
  /** `source` is a whole template (an unterminated `${{`…), not one expression. */
  isTemplate?: boolean;
  /** A short machine-readable reason: cel-js's code (`no_such_key`…) or ours (`nested_comprehension`…). */
  reason?: string;
  cause?: unknown;
}

export class ExpressionError extends TandemError {
  /** 0-based offset inside the template text (or inside the bare expression) of the problem. */
  readonly column?: number;
  /** The expression source the error is about. */
  readonly source: string;
  readonly reason: string;
  /** The message without the `(in ${{ … }})` suffix, kept so `shifted` can rebuild it. */
  readonly summary: string;
  readonly isTemplate: boolean;

  constructor(summary: string, opts: ExpressionErrorOptions) {
    const where =
      opts.isTemplate === true ? JSON.stringify(clip(opts.source)) : `\${{ ${clip(opts.source)} }}`;
    super('expression', `${summary} (in ${where})`, { cause: opts.cause });
    this.name = 'ExpressionError';
    this.summary = summary;
    this.source = opts.source;
    this.reason = opts.reason ?? 'invalid';
    this.isTemplate = opts.isTemplate === true;
    if (opts.column !== undefined) this.column = opts.column;
  }

  /**
   * The same error with its column moved by `offset`: errors are raised relative to the
   * expression source and moved to the template text by whoever knows where the source sits.
   */
  shifted(offset: number): ExpressionError {
    return new ExpressionError(this.summary, {
      source: this.source,
      column: (this.column ?? 0) + offset,
      reason: this.reason,
      isTemplate: this.isTemplate,
      cause: this.cause,
    });
  }
}

function clip(source: string): string {
  const oneLine = source.replace(/\s+/g, ' ').trim();
  return oneLine.length <= MAX_SOURCE_IN_MESSAGE ? oneLine : `${oneLine.slice(0, MAX_SOURCE_IN_MESSAGE)}…`;
}

/** Move an `ExpressionError` by `offset`; anything else passes through unchanged. */
export function shiftError(err: unknown, offset: number): unknown {
  return err instanceof ExpressionError ? err.shifted(offset) : err;
}
