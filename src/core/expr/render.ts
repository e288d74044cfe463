/**
 * Rendering templates against a context: to text, to a raw value, through whole YAML trees,
 * and `if:` conditions.
 */
import { compileExpression } from './compile.ts';
import { Scope, type ExprContext } from './context.ts';
import { ExpressionError, shiftError } from './errors.ts';
import { MAX_VALUE_DEPTH } from './limits.ts';
import { pureSpan, splitTemplate, type ExprSpan } from './template.ts';

/** Evaluate one span of a template; errors get their column in the template text. */
export function evaluateSpan(span: ExprSpan, scope: Scope): unknown {
  try {
    return compileExpression(span.source).evaluateIn(scope);
  } catch (err: unknown) {
    throw shiftError(err, span.offset);
  }
}

/** A value as template text: strings as they are, null as '', numbers and bools via String, the rest as JSON. */
export function stringify(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** Render a template to text. */
export function renderTemplate(text: string, ctx: ExprContext): string {
  return renderTemplateIn(text, new Scope(ctx));
}

function renderTemplateIn(text: string, scope: Scope): string {
  let out = '';
  for (const span of splitTemplate(text))
    out += span.kind === 'text' ? span.text : stringify(evaluateSpan(span, scope));
  return out;
}

/** A template that is one `${{ expr }}` gives the expression's value itself; any other, text. */
export function renderValue(text: string, ctx: ExprContext): unknown {
  return renderValueIn(text, new Scope(ctx));
}

function renderValueIn(text: string, scope: Scope): unknown {
  const pure = pureSpan(text);
  return pure === undefined ? renderTemplateIn(text, scope) : evaluateSpan(pure, scope);
}

/** Render every string inside objects and arrays with `renderValue`; keys are not rendered. */
export function renderDeep(value: unknown, ctx: ExprContext): unknown {
  return renderDeepIn(value, new Scope(ctx), 0);
}

function renderDeepIn(value: unknown, scope: Scope, depth: number): unknown {
  if (typeof value === 'string') return renderValueIn(value, scope);
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_VALUE_DEPTH) {
    throw new ExpressionError(`the value to render is nested more than ${MAX_VALUE_DEPTH} levels deep`, {
      source: '',
      isTemplate: true,
      reason: 'too_deep',
    });
  }
  if (Array.isArray(value)) return value.map((item: unknown) => renderDeepIn(item, scope, depth + 1));
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    Object.defineProperty(out, key, {
      value: renderDeepIn(item, scope, depth + 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/**
 * Evaluate an `if:` condition, written `${{ expr }}` or as a bare expression. The result must
 * be a bool: CEL has no truthiness, and `if: ${{ steps.a.outputs.ok }}` with ok = "false" (a
 * string) must not quietly run the step.
 */
export function evaluateCondition(text: string, ctx: ExprContext): boolean {
  const { source, offset } = conditionSource(text);
  let value: unknown;
  try {
    value = compileExpression(source).evaluateRawIn(new Scope(ctx));
  } catch (err: unknown) {
    throw shiftError(err, offset);
  }
  if (typeof value === 'boolean') return value;
  throw new ExpressionError(
    `a condition must give a bool (true or false), but this one gave ${celTypeName(value)}; ` +
      'compare explicitly, e.g. steps.x.outputs.ok == "true"',
    { source, column: offset, reason: 'not_bool' },
  );
}

function conditionSource(text: string): { source: string; offset: number } {
  const pure = pureSpan(text);
  if (pure !== undefined) return { source: pure.source, offset: pure.offset };
  if (text.includes('${{')) {
    // Two `${{ }}` joined by text (`${{ a }} && ${{ b }}`) would be a string, never a bool.
    const spans = splitTemplate(text);
    const first = spans.find((s) => s.kind === 'expr');
    throw new ExpressionError(
      'a condition must be one expression: write ${{ a && b }}, not ${{ a }} && ${{ b }}',
      {
        source: text,
        column: first?.kind === 'expr' ? first.start : 0,
        isTemplate: true,
        reason: 'not_one_expression',
      },
    );
  }
  return { source: text.trim(), offset: text.length - text.trimStart().length };
}

/** The CEL type of a raw value, for messages; never the value itself (it may be a secret). */
function celTypeName(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'bigint') return 'an int';
  if (typeof value === 'number') return 'a double';
  if (typeof value === 'string') return 'a string';
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Date) return 'a timestamp';
  if (value instanceof Uint8Array) return 'bytes';
  if (typeof value === 'object') {
    const proto: unknown = Object.getPrototypeOf(value);
    if (value instanceof Map || proto === null || proto === Object.prototype) return 'a map';
    return `a ${value.constructor.name}`;
  }
  return `a ${typeof value}`;
}
