/**
 * CEL values → plain JS that JSON can carry.
 *
 * - int / uint (BigInt, UnsignedInt) → number when safe (|n| ≤ 2^53−1), else its decimal string;
 * - CEL maps (Map or object) → plain objects, lists → arrays;
 * - timestamp → ISO 8601 string, duration → its CEL text (`90s`), bytes → UTF-8 text,
 *   type → its name (`int`), optional → its value or null.
 * The whole result is capped (limits.ts) before anyone serialises it.
 */
import { Optional } from '@marcbachmann/cel-js';
import { Duration, UnsignedInt } from '@marcbachmann/cel-js/evaluator';
import { MAX_RESULT_CHARS, MAX_RESULT_VALUES } from './limits.ts';

export class ResultTooLargeError extends Error {
  constructor() {
    super(
      `the value is too large: more than ${MAX_RESULT_VALUES} values or ${MAX_RESULT_CHARS / 1024 / 1024} MiB of text`,
    );
    this.name = 'ResultTooLargeError';
  }
}

interface Budget {
  values: number;
  chars: number;
}

export function toPlain(value: unknown): unknown {
  return convert(value, { values: MAX_RESULT_VALUES, chars: MAX_RESULT_CHARS });
}

function convert(value: unknown, budget: Budget): unknown {
  if (--budget.values < 0) throw new ResultTooLargeError();
  switch (typeof value) {
    case 'string':
      budget.chars -= value.length;
      if (budget.chars < 0) throw new ResultTooLargeError();
      return value;
    case 'bigint':
      return bigintToPlain(value);
    case 'number':
    case 'boolean':
      return value;
    case 'undefined':
      return null;
    case 'object':
      return value === null ? null : objectToPlain(value, budget);
    default:
      return String(value);
  }
}

function bigintToPlain(value: bigint): number | string {
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : value.toString();
}

function objectToPlain(value: object, budget: Budget): unknown {
  if (Array.isArray(value)) return value.map((item: unknown) => convert(item, budget));
  if (value instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of value) setOwn(out, String(k), convert(v, budget));
    return out;
  }
  if (value instanceof UnsignedInt) return bigintToPlain(value.value);
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Duration) return value.toString();
  if (value instanceof Uint8Array) return convert(new TextDecoder().decode(value), budget);
  if (value instanceof Optional) return value.hasValue() ? convert(value.value(), budget) : null;
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto === Object.prototype || proto === null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) setOwn(out, k, convert(v, budget));
    return out;
  }
  // cel-js type values (its Type class is not exported) print as `Type<int>`.
  const text = (value as { toString(): string }).toString();
  return text.replace(/^Type<(.*)>$/, '$1');
}

/** Assign without tripping over a `__proto__` key, which plain assignment treats as the prototype. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
