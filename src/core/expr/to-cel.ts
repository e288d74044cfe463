/**
 * Context values → the values CEL sees.
 *
 * - A whole JS number (safe integer) becomes a CEL `int` (BigInt), any other number a `double`.
 *   So `inputs.replicas + 1` works, and JSON from `json()` follows the same rule. The price:
 *   an input of `2` is an int and `inputs.x * 1.5` needs `double(inputs.x) * 1.5`.
 * - Arrays, Maps and plain objects are copied (null-prototype objects, so a `__proto__` key is
 *   data), with the collection caps of limits.ts.
 * - strings, booleans, null, BigInt, Date (timestamp) and Uint8Array (bytes) pass as they are;
 *   `undefined` entries are left out (a missing key, as in JSON).
 * - functions, symbols and class instances are refused: the context is data.
 */
import { MAX_COLLECTION_ENTRIES, MAX_VALUE_DEPTH } from './limits.ts';

/** A conversion refused; `path` is built while the recursion unwinds (`.steps.a.outputs`). */
export class ValueLimitError extends Error {
  path: string[] = [];
  constructor(readonly problem: string) {
    super(problem);
    this.name = 'ValueLimitError';
  }

  describe(root: string): string {
    return `${root}${this.path.join('')} ${this.problem}`;
  }
}

/** Counts values converted within one scope, so the whole context is bounded too. */
export interface ValueBudget {
  remaining: number;
}

export function toCel(value: unknown, budget: ValueBudget, depth = 0): unknown {
  if (--budget.remaining < 0) throw new ValueLimitError('is part of a context too large for expressions');
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'bigint':
    case 'undefined':
      return value;
    case 'number':
      return Number.isSafeInteger(value) ? BigInt(value) : value;
    case 'object':
      return value === null ? null : objectToCel(value, budget, depth);
    default:
      throw new ValueLimitError(`is a ${typeof value}, which expressions cannot use`);
  }
}

function objectToCel(value: object, budget: ValueBudget, depth: number): unknown {
  if (value instanceof Date || value instanceof Uint8Array) return value;
  if (depth >= MAX_VALUE_DEPTH)
    throw new ValueLimitError(`is nested more than ${MAX_VALUE_DEPTH} levels deep`);
  if (Array.isArray(value)) {
    checkSize(value.length);
    const out: unknown[] = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = child(value[i], `[${i}]`, budget, depth);
    return out;
  }
  if (value instanceof Map) {
    checkSize(value.size);
    const out = new Map<unknown, unknown>();
    for (const [k, v] of value as Map<unknown, unknown>) {
      const key = typeof k === 'number' && Number.isSafeInteger(k) ? BigInt(k) : k;
      if (v !== undefined) out.set(key, child(v, `[${String(k)}]`, budget, depth));
    }
    return out;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    throw new ValueLimitError(`is a ${className(value)} object, which expressions cannot use`);
  }
  const keys = Object.keys(value);
  checkSize(keys.length);
  const out = Object.create(null) as Record<string, unknown>;
  const record = value as Record<string, unknown>;
  for (const key of keys) {
    const v = record[key];
    if (v !== undefined)
      out[key] = child(
        v,
        /^[A-Za-z_][\w]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`,
        budget,
        depth,
      );
  }
  return out;
}

function child(value: unknown, segment: string, budget: ValueBudget, depth: number): unknown {
  try {
    return toCel(value, budget, depth + 1);
  } catch (err: unknown) {
    if (err instanceof ValueLimitError) err.path.unshift(segment);
    throw err;
  }
}

function checkSize(size: number): void {
  if (size > MAX_COLLECTION_ENTRIES) {
    throw new ValueLimitError(`has ${size} entries; expressions accept at most ${MAX_COLLECTION_ENTRIES}`);
  }
}

function className(value: object): string {
  const ctor: unknown = (value as { constructor?: unknown }).constructor;
  return typeof ctor === 'function' && ctor.name !== '' ? ctor.name : 'class';
}
