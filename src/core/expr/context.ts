/**
 * The variables an expression sees, and the scope that converts them for CEL once per render.
 *
 * Glossary
 * - inputs: the run's inputs; steps.<id>.outputs / steps.<id>.status: finished steps;
 *   run: the run's own fields (id, status…); secrets: resolved secrets (masked in logs);
 *   item: the current element in a `foreach`; result: a shell/script step's
 *   `{ exit_code, stdout, stderr }`, seen by its `outputs:`.
 */
import { MAX_CONTEXT_VALUES } from './limits.ts';
import { toCel, ValueLimitError, type ValueBudget } from './to-cel.ts';

export interface ExprContext {
  inputs?: Record<string, unknown>;
  steps?: Record<string, { outputs: unknown; status: string }>;
  run?: Record<string, unknown>;
  secrets?: Record<string, string>;
  item?: unknown;
  result?: unknown;
  [k: string]: unknown;
}

/**
 * One context prepared for CEL. Each top-level variable is converted the first time an
 * expression reads it and reused by the next expressions of the same render; the converted
 * values of one scope count against one budget (MAX_CONTEXT_VALUES).
 */
export class Scope {
  readonly #ctx: ExprContext;
  readonly #converted = new Map<string, unknown>();
  readonly #budget: ValueBudget = { remaining: MAX_CONTEXT_VALUES };

  constructor(ctx: ExprContext) {
    this.#ctx = ctx;
  }

  /** The variables, among `names`, that the context defines, converted for CEL. */
  activation(names: readonly string[]): Record<string, unknown> {
    const out = Object.create(null) as Record<string, unknown>;
    for (const name of names) {
      if (!Object.hasOwn(this.#ctx, name) || this.#ctx[name] === undefined) continue;
      out[name] = this.#convert(name);
    }
    return out;
  }

  /** The names of the variables the context defines, for error messages. */
  variableNames(): string[] {
    return Object.keys(this.#ctx).filter((k) => this.#ctx[k] !== undefined);
  }

  #convert(name: string): unknown {
    if (this.#converted.has(name)) return this.#converted.get(name);
    let value: unknown;
    try {
      value = toCel(this.#ctx[name], this.#budget);
    } catch (err: unknown) {
      if (err instanceof ValueLimitError) throw new ContextLimitError(err.describe(name));
      throw err;
    }
    this.#converted.set(name, value);
    return value;
  }
}

/** A context value that expressions cannot use (too large, too deep, not data). */
export class ContextLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContextLimitError';
  }
}
