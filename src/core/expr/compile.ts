/**
 * Compiling a bare CEL expression (no `${{ }}`): bounds, parse, cost checks, type check, and a
 * cache so hot paths never parse twice.
 */
import type { ParseResult } from '@marcbachmann/cel-js';
import { analyse, applyRenames, asNode, type Node } from './ast.ts';
import { BoundedCache } from './cache.ts';
import { Scope, type ExprContext } from './context.ts';
import { describeError } from './describe-error.ts';
import { celEnvironment } from './environment.ts';
import { ExpressionError } from './errors.ts';
import { COMPILE_CACHE_SIZE, MAX_EXPRESSION_LENGTH } from './limits.ts';
import { toPlain } from './to-plain.ts';

/** A parsed, checked expression, ready to evaluate against any context. */
export class CompiledExpression {
  /** The CEL source as written. */
  readonly source: string;
  /** Top-level names it reads (inputs, steps, item…), comprehension variables included. */
  readonly variables: readonly string[];
  /** Step ids it reads through `steps.<id>` or `steps["<id>"]`. */
  readonly stepIds: readonly string[];
  readonly #program: ParseResult;
  readonly #ast: Node;

  constructor(source: string, program: ParseResult, ast: Node, variables: string[], stepIds: string[]) {
    this.source = source;
    this.#program = program;
    this.#ast = ast;
    this.variables = Object.freeze(variables);
    this.stepIds = Object.freeze(stepIds);
  }

  /** Evaluate and convert the result to plain JS (see to-plain.ts). */
  evaluate(ctx: ExprContext): unknown {
    return this.evaluateIn(new Scope(ctx));
  }

  /** As `evaluate`, reusing a scope's converted context across several expressions. */
  evaluateIn(scope: Scope): unknown {
    const raw = this.evaluateRawIn(scope);
    try {
      return toPlain(raw);
    } catch (err: unknown) {
      throw describeError(err, this.source);
    }
  }

  /** The CEL value itself (BigInt, Map…), for callers that check its CEL type. */
  evaluateRawIn(scope: Scope): unknown {
    try {
      return this.#program(scope.activation(this.variables)) as unknown;
    } catch (err: unknown) {
      throw describeError(err, this.source, {
        root: this.#ast,
        keysOf: (sub) => keysOf(sub, scope),
        variableNames: () => scope.variableNames(),
      });
    }
  }
}

const cache = new BoundedCache<string, CompiledExpression>(COMPILE_CACHE_SIZE);

/**
 * Compile a bare CEL expression. Throws `ExpressionError` (with `column` inside `src`) for a
 * syntax or type error, an expression over the bounds of limits.ts, a nested comprehension or
 * an unsafe `matches()` pattern.
 */
export function compileExpression(src: string): CompiledExpression {
  const cached = cache.get(src);
  if (cached !== undefined) return cached;
  const compiled = compileUncached(src);
  cache.set(src, compiled);
  return compiled;
}

function compileUncached(src: string): CompiledExpression {
  if (src.length > MAX_EXPRESSION_LENGTH) {
    throw new ExpressionError(
      `the expression is ${src.length} characters long; at most ${MAX_EXPRESSION_LENGTH} are allowed`,
      { source: src, column: MAX_EXPRESSION_LENGTH, reason: 'too_long' },
    );
  }
  if (src.trim() === '')
    throw new ExpressionError('the expression is empty', { source: src, column: 0, reason: 'empty' });

  let parsed: ParseResult;
  try {
    parsed = celEnvironment.parse(src);
  } catch (err: unknown) {
    throw describeError(err, src);
  }
  const ast = asNode(parsed.ast);
  const { variables, stepIds, renames } = analyse(ast, src);

  let program = parsed;
  if (renames.length > 0) {
    try {
      program = celEnvironment.parse(applyRenames(src, renames));
    } catch (err: unknown) {
      throw describeError(err, src);
    }
  }
  const checked = program.check();
  if (!checked.valid && checked.error !== undefined) throw describeError(checked.error, src);
  return new CompiledExpression(src, program, ast, variables, stepIds);
}

/** The keys of a sub-expression's value, for "it has: …" hints; undefined when unknown. */
function keysOf(sub: string, scope: Scope): string[] | undefined {
  try {
    const value = compileExpression(sub).evaluateRawIn(scope);
    if (value instanceof Map) return [...value.keys()].map(String);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return Object.keys(value);
  } catch {
    // No hint then: the sub-expression may use a comprehension's variable.
  }
  return undefined;
}

/**
 * Evaluate a bare CEL expression against a context; the result is plain JS: ints as numbers
 * (decimal strings beyond 2^53), maps as objects, lists as arrays.
 */
export function evaluateExpression(src: string, ctx: ExprContext): unknown {
  return compileExpression(src).evaluate(ctx);
}
