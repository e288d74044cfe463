/**
 * What an expression refers to: `steps.<id>` and `inputs.<name>`, found by a scan of its source
 * (outside string literals) rather than by walking the CEL syntax tree, which is enough to check
 * that the names exist.
 */

export interface ExpressionSpan {
  /** Offset of the expression source in the template text. */
  start: number;
  source: string;
  /** `source` with the contents of string literals blanked out, offsets unchanged. */
  masked: string;
}

/** Blanks the contents of `'…'` and `"…"` literals (backslash escapes honoured). */
export function maskStrings(source: string): string {
  let masked = '';
  let quote: string | undefined;
  for (let i = 0; i < source.length; i++) {
    const c = source.charAt(i);
    if (quote === undefined) {
      if (c === '"' || c === "'") quote = c;
      masked += c;
    } else if (c === '\\') {
      masked += i + 1 < source.length ? '  ' : ' ';
      i++;
    } else if (c === quote) {
      quote = undefined;
      masked += c;
    } else masked += ' ';
  }
  return masked;
}

/** An expression whose source starts at offset `start` of its field's text. */
export function expressionSpan(source: string, start = 0): ExpressionSpan {
  return { start, source, masked: maskStrings(source) };
}

/** A `steps.<id>` or `inputs.<name>` reference (also `steps["id"]`) inside an expression. */
export interface Reference {
  root: 'steps' | 'inputs';
  name: string;
  /** Offset of the reference in the expression source. */
  index: number;
}

// Not after `.` or a word character: `x.inputs.a` is a field of x, not the runbook's inputs.
const REFERENCE = /(?<![\w.$])(steps|inputs)\s*(?:\.\s*([A-Za-z_][\w-]*)|\[\s*(["']))/g;

export function references(span: ExpressionSpan): Reference[] {
  const found: Reference[] = [];
  for (const match of span.masked.matchAll(REFERENCE)) {
    const root = match[1] as Reference['root'];
    let name = match[2];
    const quote = match[3];
    if (quote !== undefined) {
      const from = match.index + match[0].length;
      const to = span.source.indexOf(quote, from);
      name = to < 0 ? undefined : span.source.slice(from, to);
    }
    if (name !== undefined) found.push({ root, name, index: match.index });
  }
  return found;
}
