/**
 * A parsed YAML document that can say where a value came from: the line and column (1-based) of
 * the node at a path such as `spec.steps[2].needs[0]`, or of a character inside a string.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Pair } from 'yaml';

/** One step of a path into the document: a mapping key or a list index. */
export type PathSegment = string | number;

export interface Position {
  line: number;
  column: number;
}

/**
 * Which part of the node at a path to point at: its key (for an unknown or duplicate key), or its
 * value, optionally `offset` characters into the string value (for an error inside a template).
 */
export interface Where {
  at?: 'key' | 'value';
  offset?: number;
}

interface Located {
  node: unknown;
  pair: Pair | undefined;
  complete: boolean;
}

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `spec.steps[2].needs[0]`; keys that are not identifiers are quoted: `env["A.B"]`. */
export function formatPath(path: readonly PathSegment[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) text += text === '' ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}

function rangeOf(node: unknown): [number, number] | undefined {
  if (typeof node !== 'object' || node === null || !('range' in node)) return undefined;
  const range = (node as { range?: [number, number, number] | null }).range;
  return range ? [range[0], range[1]] : undefined;
}

function keyText(pair: Pair): string {
  return isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
}

export class YamlSource {
  readonly text: string;
  readonly doc: Document.Parsed;
  readonly lineCounter = new LineCounter();

  constructor(text: string) {
    this.text = text;
    this.doc = parseDocument(text, { lineCounter: this.lineCounter, prettyErrors: false });
  }

  /**
   * The document as plain data, or why it cannot be: an alias to an anchor never set, or more
   * alias expansions than a real document needs (a "billion laughs" document).
   */
  data(): { value: unknown } | { error: string } {
    try {
      return { value: this.doc.toJS({ maxAliasCount: 100 }) };
    } catch (err: unknown) {
      return { error: `YAML error: ${err instanceof Error ? err.message : String(err)}` };
    }
  }

  /** 1-based line and column of a character offset in the text. */
  positionAt(offset: number): Position {
    const { line, col } = this.lineCounter.linePos(offset);
    return { line, column: col };
  }

  /**
   * Where the value at `path` is written. For a path that does not exist (a missing key), the
   * deepest node that does: the parent mapping.
   */
  position(path: readonly PathSegment[], where: Where = {}): Position | undefined {
    const { node, pair, complete } = this.locate(path);
    let offset: number | undefined;
    if (complete && where.at === 'key' && pair) offset = rangeOf(pair.key)?.[0];
    else if (complete && where.offset !== undefined && isScalar(node) && typeof node.value === 'string') {
      offset = this.offsetInScalar(node, node.value, where.offset);
    } else {
      const range = rangeOf(node);
      // An empty value (`key:` with nothing after it) has an empty range: point at its key.
      offset = range && range[1] > range[0] ? range[0] : (rangeOf(pair?.key)?.[0] ?? range?.[0]);
    }
    return offset === undefined ? undefined : this.positionAt(offset);
  }

  /** Where each occurrence of the last key of `path` is written in its mapping (duplicates). */
  keyPositions(path: readonly PathSegment[]): Position[] {
    const { node, complete } = this.locate(path.slice(0, -1));
    if (!complete || !isMap(node)) return [];
    return node.items
      .filter((p) => keyText(p) === String(path.at(-1)))
      .flatMap((p) => {
        const range = rangeOf(p.key);
        return range ? [this.positionAt(range[0])] : [];
      });
  }

  /** The path of the key or value written at a character offset (for YAML's own errors). */
  pathAt(offset: number): PathSegment[] {
    const path: PathSegment[] = [];
    const inside = (node: unknown): boolean => {
      const range = rangeOf(node);
      return range !== undefined && range[0] <= offset && offset < Math.max(range[1], range[0] + 1);
    };
    let node: unknown = this.doc.contents;
    for (;;) {
      if (isMap(node)) {
        const pair = node.items.find((p) => inside(p.key) || inside(p.value));
        if (!pair) break;
        path.push(keyText(pair));
        if (inside(pair.key)) break;
        node = pair.value;
      } else if (isSeq(node)) {
        const index = node.items.findIndex(inside);
        if (index < 0) break;
        path.push(index);
        node = node.items[index];
      } else break;
    }
    return path;
  }

  private deref(node: unknown): unknown {
    return isAlias(node) ? node.resolve(this.doc) : node;
  }

  private locate(path: readonly PathSegment[]): Located {
    let node = this.deref(this.doc.contents);
    let pair: Pair | undefined;
    for (const segment of path) {
      if (isMap(node)) {
        const found = node.items.findLast((p) => keyText(p) === String(segment));
        if (!found) return { node, pair, complete: false };
        pair = found;
        node = this.deref(found.value);
      } else if (isSeq(node) && typeof segment === 'number' && segment < node.items.length) {
        pair = undefined;
        node = this.deref(node.items[segment]);
      } else {
        return { node, pair, complete: false };
      }
    }
    return { node, pair, complete: true };
  }

  /**
   * The text offset of character `index` of a scalar's value. Exact when the value is written
   * verbatim (plain, or quoted without escapes); otherwise the value's characters are matched in
   * order against the source, which follows folded lines, block indentation and `\"` or `''`
   * escapes (best effort for escapes such as `\n` that leave no character of their own).
   */
  private offsetInScalar(
    node: { range?: [number, number, number] | null; type?: string | undefined },
    value: string,
    index: number,
  ): number | undefined {
    const range = node.range;
    if (!range) return undefined;
    const [start, end] = range;
    let content = start;
    if (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') content = start + 1;
    else if (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED') {
      const header = this.text.indexOf('\n', start);
      content = header < 0 || header >= end ? start : header + 1;
    }
    const target = Math.min(Math.max(index, 0), value.length);
    if (this.text.startsWith(value.slice(0, target + 1), content)) return content + target;
    let cursor = content;
    for (let i = 0; i <= target && i < value.length; i++) {
      const found = this.text.indexOf(value.charAt(i), cursor);
      if (found < 0 || found >= end) return i === 0 ? content : cursor - 1;
      if (i === target) return found;
      cursor = found + 1;
    }
    return cursor;
  }
}
