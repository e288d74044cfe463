/**
 * The CEL environment Tandem's expressions run in: every variable is `dyn` (the context is
 * open: inputs, steps, run, secrets, item, result…), mixed list/map literals are allowed,
 * optional chaining (`steps.a.outputs.?n.orValue("0")`) is on, and the parse limits of
 * limits.ts apply. Create once: cel-js environments are expensive to build.
 *
 * Functions added to CEL's standard library:
 * - `json(string)`: parses JSON into CEL values (objects → maps, arrays → lists, whole numbers
 *   → int, other numbers → double), with the collection caps of the context.
 * - `int(string)` and `double(string)` that ignore surrounding whitespace: shell outputs end with
 *   a newline and are stored exactly as written, so `double(result.stdout)` must accept "12.5\n".
 *   cel-js refuses any whitespace and will not let us replace its own overloads, so compile.ts
 *   renames those calls to `Int(…)` / `Double(…)` (same length: error columns stay exact), and
 *   these trim a string argument, require decimal text, and hand it to the standard conversion.
 */
import { Environment, EvaluationError } from '@marcbachmann/cel-js';
import { MAX_CONTEXT_VALUES, MAX_JSON_INPUT_LENGTH, PARSE_LIMITS } from './limits.ts';
import { toCel, ValueLimitError } from './to-cel.ts';

/** Standard conversions that get a whitespace-trimming twin, and the twin's name. */
export const TRIMMING_CONVERSIONS: ReadonlyMap<string, string> = new Map([
  ['int', 'Int'],
  ['double', 'Double'],
]);

const standard = new Environment({ unlistedVariablesAreDyn: true });
const standardInt = standard.parse('int(v)');
const standardDouble = standard.parse('double(v)');

/**
 * Decimal text only: cel-js's own int() reads "" as 0 and accepts "0b11" and "0o7" (JS BigInt
 * syntax), and its double() accepts "0x10". An empty output read as 0 could promote a database,
 * so those are refused here.
 */
const DECIMAL_INT = /^[+-]?\d+$/;
const DECIMAL_DOUBLE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$|^[+-]?(?:inf|infinity|nan)$/i;

function trimmingConversion(name: string, syntax: RegExp, convert: (ctx: { v: unknown }) => unknown) {
  return (value: unknown): unknown => {
    const v = typeof value === 'string' ? value.trim() : value;
    if (typeof v === 'string' && !syntax.test(v)) {
      const what = v === '' ? 'the text is empty' : 'the text is not a decimal number';
      throw new EvaluationError(`${name}() type error: cannot convert to ${name}: ${what}`);
    }
    try {
      return convert({ v });
    } catch (err: unknown) {
      // A fresh error without a position: cel-js then points it at the caller's call.
      throw new EvaluationError(err instanceof EvaluationError ? err.summary : String(err));
    }
  };
}

function parseJson(text: unknown): unknown {
  if (typeof text !== 'string') throw new EvaluationError('json() expects a string');
  if (text.length > MAX_JSON_INPUT_LENGTH) {
    throw new EvaluationError(`json(): the text is longer than ${MAX_JSON_INPUT_LENGTH} characters`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err: unknown) {
    // JSON.parse quotes the text in its message; the text may be a secret, so only say where.
    const at = /position (\d+)/.exec(String(err))?.[1];
    throw new EvaluationError(
      `json(): the text is not valid JSON${at === undefined ? '' : ` (at offset ${at})`}`,
    );
  }
  try {
    return toCel(parsed, { remaining: MAX_CONTEXT_VALUES });
  } catch (err: unknown) {
    if (err instanceof ValueLimitError) throw new EvaluationError(err.describe('json(): the value'));
    throw err;
  }
}

export const celEnvironment: Environment = new Environment({
  unlistedVariablesAreDyn: true,
  homogeneousAggregateLiterals: false,
  enableOptionalTypes: true,
  limits: PARSE_LIMITS,
})
  .registerFunction('json(string): dyn', parseJson, {
    description: 'Parse a JSON text into CEL values; whole numbers become int, others double',
  })
  .registerFunction('Int(dyn): int', trimmingConversion('int', DECIMAL_INT, standardInt), {
    description: 'int() that ignores whitespace around a string',
  })
  .registerFunction('Double(dyn): double', trimmingConversion('double', DECIMAL_DOUBLE, standardDouble), {
    description: 'double() that ignores whitespace around a string',
  });
