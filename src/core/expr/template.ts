/**
 * Templates: text with `${{ CEL }}` parts. The closing `}}` is found by reading the CEL
 * tokens that can hide it — string literals ('…', "…", '''…''', raw r"…") and map literals
 * (`{"a": {"b": 1}}`) — so `${{ {"a": {"b": 1}} }}` and `${{ "}}" }}` work.
 * There is no escape for a literal `${{`.
 */
import { compileExpression } from './compile.ts';
import { ExpressionError, shiftError } from './errors.ts';

export type TemplatePart = { kind: 'text'; text: string } | { kind: 'expr'; source: string; offset: number };

/** An expression part with where its `${{` starts and its `}}` ends, for renderers. */
export interface ExprSpan {
  kind: 'expr';
  /** The trimmed CEL source. */
  source: string;
  /** Offset of `source` in the template. */
  offset: number;
  /** Offset of `${{`. */
  start: number;
  /** Offset just past `}}`. */
  end: number;
}
export type Span = { kind: 'text'; text: string } | ExprSpan;

const OPEN = '${{';

/** Split a template into text and expression spans without compiling the expressions. */
export function splitTemplate(text: string): Span[] {
  const spans: Span[] = [];
  let pos = 0;
  for (;;) {
    const start = text.indexOf(OPEN, pos);
    if (start === -1) break;
    if (start > pos) spans.push({ kind: 'text', text: text.slice(pos, start) });
    const close = findClose(text, start + OPEN.length);
    if (close === -1) {
      throw new ExpressionError('unterminated ${{: no matching }}', {
        source: text,
        column: start,
        isTemplate: true,
        reason: 'unterminated',
      });
    }
    const inner = text.slice(start + OPEN.length, close);
    const source = inner.trim();
    if (source === '') {
      throw new ExpressionError('empty ${{ }}', {
        source: text,
        column: start,
        isTemplate: true,
        reason: 'empty',
      });
    }
    const offset = start + OPEN.length + (inner.length - inner.trimStart().length);
    spans.push({ kind: 'expr', source, offset, start, end: close + 2 });
    pos = close + 2;
  }
  if (pos < text.length) spans.push({ kind: 'text', text: text.slice(pos) });
  return spans;
}

/** Offset of the `}}` that closes an expression starting at `from`, or -1. */
function findClose(text: string, from: number): number {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"' || ch === "'") {
      i = endOfString(text, i);
      if (i === -1) return -1;
    } else if (ch === '/' && text[i + 1] === '/') {
      // A CEL comment runs to the end of the line; it cannot hide the closing braces here.
      while (i < text.length && text[i] !== '\n' && !text.startsWith('}}', i + 1)) i++;
    } else if (ch === '{') {
      depth++;
    } else if (ch === '}') {
      if (depth > 0) depth--;
      else if (text[i + 1] === '}') return i;
    }
  }
  return -1;
}

/** Offset of the last quote of the string literal opening at `open`, or -1. */
function endOfString(text: string, open: number): number {
  const quote = text[open]!;
  const triple = text.startsWith(quote.repeat(3), open);
  const delimiter = triple ? quote.repeat(3) : quote;
  const raw = isRawPrefix(text, open);
  for (let i = open + delimiter.length; i < text.length; i++) {
    if (text[i] === '\\' && !raw) i++;
    else if (text.startsWith(delimiter, i)) return i + delimiter.length - 1;
    // A one-line string cut by a newline: stop there and let CEL report it with its column.
    else if (text[i] === '\n' && !triple) return i - 1;
  }
  return -1;
}

/** Whether the quote at `open` starts a raw string: `r"…"`, `R'…'`, `br"…"`, `rb"…"`. */
function isRawPrefix(text: string, open: number): boolean {
  const prefix = /(?:^|[^\w])([rRbB]{1,2})$/.exec(text.slice(Math.max(0, open - 3), open));
  return prefix !== null && /[rR]/.test(prefix[1]!);
}

/**
 * Parse a template and compile every expression in it, so syntax errors surface when a
 * runbook is validated. Errors carry `column`, the offset in `text`.
 */
export function parseTemplate(text: string): TemplatePart[] {
  return splitTemplate(text).map((span): TemplatePart => {
    if (span.kind === 'text') return span;
    try {
      compileExpression(span.source);
    } catch (err: unknown) {
      throw shiftError(err, span.offset);
    }
    return { kind: 'expr', source: span.source, offset: span.offset };
  });
}

/** The expressions of a template (compiled, so invalid ones throw). */
export function templateExpressions(text: string): { source: string; offset: number }[] {
  const out: { source: string; offset: number }[] = [];
  for (const part of parseTemplate(text))
    if (part.kind === 'expr') out.push({ source: part.source, offset: part.offset });
  return out;
}

/** If the whole text (trimmed) is exactly one `${{ expr }}`, the expr; otherwise undefined. */
export function pureExpression(text: string): string | undefined {
  const span = pureSpan(text);
  return span?.source;
}

/** As `pureExpression`, with the span (offsets in the untrimmed text). */
export function pureSpan(text: string): ExprSpan | undefined {
  if (!text.trimStart().startsWith(OPEN)) return undefined;
  let spans: Span[];
  try {
    spans = splitTemplate(text);
  } catch {
    return undefined;
  }
  const exprs = spans.filter((s): s is ExprSpan => s.kind === 'expr');
  const onlyBlankText = spans.every((s) => s.kind === 'expr' || s.text.trim() === '');
  return exprs.length === 1 && onlyBlankText ? exprs[0] : undefined;
}
