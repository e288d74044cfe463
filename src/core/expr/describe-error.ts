/**
 * cel-js errors → `ExpressionError`s a runbook author can act on. Most keep cel-js's summary;
 * a missing key names the whole path it looked for and what is there instead
 * ("steps.lag.outputs.seconds: step "lag" has no output "seconds"; it has: lag_s"), and an
 * unknown variable lists the variables the context has.
 */
import { EvaluationError, ParseError, TypeError as CelTypeError } from '@marcbachmann/cel-js';
import { children, type Node } from './ast.ts';
import { ContextLimitError } from './context.ts';
import { ExpressionError } from './errors.ts';
import { ResultTooLargeError } from './to-plain.ts';

/** What the describer may ask about the failed evaluation. */
export interface ErrorHints {
  /** The parsed expression, to find the node an error points at. */
  root?: Node;
  /** The keys of the value of a sub-expression, when it can be evaluated again. */
  keysOf?: (source: string) => string[] | undefined;
  /** The variables the context defines. */
  variableNames?: () => string[];
}

const MAX_KEYS_LISTED = 12;

export function describeError(err: unknown, source: string, hints: ErrorHints = {}): unknown {
  if (err instanceof ExpressionError) return err;
  if (err instanceof ContextLimitError)
    return new ExpressionError(err.message, { source, reason: 'context_limit' });
  if (err instanceof ResultTooLargeError)
    return new ExpressionError(err.message, { source, reason: 'result_limit' });
  if (err instanceof ParseError) {
    const prefix = err.code === 'limit_exceeded' ? 'the expression is too complex' : 'syntax error';
    return celError(`${prefix}: ${err.summary}`, source, err);
  }
  if (err instanceof CelTypeError) return celError(`type error: ${err.summary}`, source, err);
  if (err instanceof EvaluationError) {
    if (err.code === 'no_such_key')
      return missingKey(err, source, hints) ?? celError(err.summary, source, err);
    if (err.code === 'unknown_variable') return unknownVariable(err, source, hints);
    return celError(err.summary, source, err);
  }
  if (err instanceof RangeError) {
    // "Maximum call stack size exceeded", "Invalid string length": the expression outgrew memory.
    return new ExpressionError(`the expression ran out of resources: ${err.message}`, {
      source,
      reason: 'resources',
      cause: err,
    });
  }
  return err;
}

function celError(
  summary: string,
  source: string,
  err: ParseError | CelTypeError | EvaluationError,
): ExpressionError {
  return new ExpressionError(undoRenames(summary), {
    source,
    column: err.range?.start,
    reason: err.code,
    cause: err,
  });
}

/** compile.ts renames int(…)/double(…) to Int(…)/Double(…); users wrote the former. */
function undoRenames(summary: string): string {
  return summary.replace(/\bInt\(/g, 'int(').replace(/\bDouble\(/g, 'double(');
}

function unknownVariable(err: EvaluationError, source: string, hints: ErrorHints): ExpressionError {
  const name = err.summary.replace(/^Unknown variable:\s*/, '');
  const known = hints.variableNames?.() ?? [];
  const tail = known.length > 0 ? `; expressions here can read: ${known.join(', ')}` : '';
  return new ExpressionError(`unknown variable "${name}"${tail}`, {
    source,
    column: err.range?.start,
    reason: err.code,
    cause: err,
  });
}

function missingKey(err: EvaluationError, source: string, hints: ErrorHints): ExpressionError | undefined {
  const range = err.range;
  if (hints.root === undefined || range === undefined) return undefined;
  const node = findAccess(hints.root, range);
  if (node === undefined) return undefined;
  const [target, key] = node.args as [Node, unknown];
  const path = source.slice(node.start, node.end);
  const parent = source.slice(target.start, target.end);
  const keyName = typeof key === 'string' ? key : literalKey(key, source);

  const output = /^steps\.([A-Za-z_][\w-]*)\.outputs$/.exec(parent);
  const what = output
    ? `step "${output[1]}" has no output "${keyName}"`
    : parent === 'steps'
      ? `there is no step "${keyName}" in steps`
      : `${parent} has no "${keyName}"`;
  const keys = hints.keysOf?.(parent);
  let tail = '';
  if (keys !== undefined) {
    const listed = keys.slice(0, MAX_KEYS_LISTED).join(', ') + (keys.length > MAX_KEYS_LISTED ? ', …' : '');
    tail = keys.length === 0 ? '; it is empty' : `; it has: ${listed}`;
  }
  return new ExpressionError(`${path}: ${what}${tail}`, {
    source,
    column: range.start,
    reason: err.code,
    cause: err,
  });
}

function literalKey(key: unknown, source: string): string {
  const node = key as Node;
  if (node.op === 'value' && typeof node.args === 'string') return node.args;
  return source.slice(node.start, node.end);
}

/**
 * The member access a `no_such_key` error points at: cel-js gives the range of the field name
 * for `a.b` and of the whole node for `a["b"]`.
 */
function findAccess(root: Node, range: { start: number; end: number }): Node | undefined {
  const stack = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const isAccess = node.op === '.' || node.op === '.?' || node.op === '[]' || node.op === '[?]';
    if (isAccess) {
      const exact = node.start === range.start && node.end === range.end;
      const field = node.op.startsWith('.') && node.end === range.end && node.start < range.start;
      if (exact || field) return node;
    }
    stack.push(...children(node));
  }
  return undefined;
}
