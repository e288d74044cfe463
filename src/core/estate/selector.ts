/**
 * Selectors: which resources of the estate a query means, as text a person writes on a command
 * line or in a runbook's `targets:`.
 *
 * ```
 * selector  = [ term *( "," term ) ]            all terms hold; empty selects everything
 * term      = key                                the label is set (any value)
 *           | "!" key                            the label is not set
 *           | key ( "=" | "==" | "!=" ) value    "!=" also holds when the label is not set
 *           | key ( "in" | "notin" ) "(" value *( "," value ) ")"
 *           | rel "(" selector ")"               has a `rel` relation to a resource the selector picks
 *           | "^" rel "(" selector ")"           a resource the selector picks has a `rel` relation to it
 *           | rel ( "=" | "!=" ) ref             has (or not) a `rel` relation to ref: `name` or `kind/name`
 *           | rel | "!" rel                      has some (or no) `rel` relation
 * key       = "kind" | "name" | "site" | "source" | label key
 * rel       = "runs_on" | "depends_on" | "replicates_to" | "member_of"
 * value     = word | '"' text '"'                word: letters, digits and . _ - / : @
 * ```
 *
 * `kind`, `name`, `site` and `source` are the resource's own fields, not labels; relation names
 * are reserved too. Spaces between tokens are ignored. Examples:
 * `kind=database,site=idc-sh,env in (prod,stage),role!=replica,tier`,
 * `kind=service,depends_on(kind=database,name=pg-main)`, `kind=host,^runs_on(name=api)` (the hosts
 * `api` runs on), `runs_on=host/web-1`.
 */
import { TandemError } from '../errors.ts';
import { isRelationType, KIND_PATTERN, type RelationType } from './model.ts';

export const selectorFields = ['kind', 'name', 'site', 'source'] as const;
export type SelectorField = (typeof selectorFields)[number];
const isField = (s: string): s is SelectorField => (selectorFields as readonly string[]).includes(s);

/** A test of a field or a label. `values` has one value for eq/ne, one or more for in/notin. */
export interface MatchTerm {
  type: 'match';
  /** A field of the resource, or a label key. */
  target: { field: SelectorField } | { label: string };
  op: 'eq' | 'ne' | 'in' | 'notin' | 'exists' | 'absent';
  values: string[];
}

/** `rel(selector)` (direction out) or `^rel(selector)` (direction in). */
export interface RelationTerm {
  type: 'relation';
  relation: RelationType;
  direction: 'out' | 'in';
  selector: Selector;
}

/** `rel=ref`, `rel!=ref`, `rel`, `!rel`: a relation by the name it gives (the target may not exist). */
export interface RelationRefTerm {
  type: 'relation_ref';
  relation: RelationType;
  op: 'eq' | 'ne' | 'exists' | 'absent';
  /** For eq and ne: the kind (when written `kind/name`) and name named. */
  kind?: string;
  name?: string;
}

export type SelectorTerm = MatchTerm | RelationTerm | RelationRefTerm;

/** A parsed selector: every term must hold. */
export interface Selector {
  terms: SelectorTerm[];
}

/** Selectors longer than this are refused: they are written by people, not generated. */
export const MAX_SELECTOR_LENGTH = 4096;
/** How deep relation terms may nest: `a(b(c(d(…))))`. Each level is one join. */
export const MAX_SELECTOR_DEPTH = 4;

const WORD = /[A-Za-z0-9._\-/:@]/;

type Token =
  | { t: 'word'; v: string; at: number }
  | { t: 'string'; v: string; at: number }
  | { t: 'op'; v: '=' | '==' | '!=' | '!' | '(' | ')' | ',' | '^'; at: number }
  | { t: 'end'; at: number };

/** A problem with a selector at a 1-based column. */
export function selectorError(text: string, column: number, message: string): TandemError {
  return new TandemError('invalid_input', `selector: ${message} (at column ${column} of "${text}")`, {
    details: [{ path: 'selector', message, column }],
  });
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text.charAt(i);
    if (c === ' ' || c === '\t') {
      i++;
    } else if (c === '"') {
      let v = '';
      let j = i + 1;
      for (; j < text.length && text.charAt(j) !== '"'; j++) {
        if (text.charAt(j) === '\\' && j + 1 < text.length) j++;
        v += text.charAt(j);
      }
      if (j >= text.length) throw selectorError(text, i + 1, 'a quoted value is not closed');
      tokens.push({ t: 'string', v, at: i + 1 });
      i = j + 1;
    } else if (c === '=' || c === '!') {
      const two = text.slice(i, i + 2);
      if (two === '==' || two === '!=') {
        tokens.push({ t: 'op', v: two, at: i + 1 });
        i += 2;
      } else {
        tokens.push({ t: 'op', v: c, at: i + 1 });
        i++;
      }
    } else if (c === '(' || c === ')' || c === ',' || c === '^') {
      tokens.push({ t: 'op', v: c, at: i + 1 });
      i++;
    } else if (WORD.test(c)) {
      let j = i;
      while (j < text.length && WORD.test(text.charAt(j))) j++;
      tokens.push({ t: 'word', v: text.slice(i, j), at: i + 1 });
      i = j;
    } else {
      throw selectorError(text, i + 1, `unexpected "${c}"; quote values with other characters`);
    }
  }
  tokens.push({ t: 'end', at: text.length + 1 });
  return tokens;
}

const describe = (tok: Token): string =>
  tok.t === 'end' ? 'the end' : tok.t === 'string' ? `"${tok.v}"` : `"${tok.v}"`;

class Parser {
  private pos = 0;
  constructor(
    private readonly text: string,
    private readonly tokens: Token[],
  ) {}

  private peek(): Token {
    return this.tokens[this.pos]!;
  }
  private next(): Token {
    return this.tokens[this.pos++]!;
  }
  private fail(tok: Token, message: string): never {
    throw selectorError(this.text, tok.at, message);
  }
  private isOp(tok: Token, v: string): boolean {
    return tok.t === 'op' && tok.v === v;
  }
  private expectOp(v: string, what: string): void {
    const tok = this.next();
    if (!this.isOp(tok, v)) this.fail(tok, `expected ${what}, found ${describe(tok)}`);
  }

  /** Terms up to the end, or up to `)` when nested. */
  selector(depth: number): Selector {
    if (depth > MAX_SELECTOR_DEPTH)
      this.fail(this.peek(), `relations nest at most ${MAX_SELECTOR_DEPTH} deep`);
    const terms: SelectorTerm[] = [];
    const closes = (tok: Token) => tok.t === 'end' || (depth > 0 && this.isOp(tok, ')'));
    if (closes(this.peek())) return { terms };
    for (;;) {
      terms.push(this.term(depth));
      const tok = this.peek();
      if (closes(tok)) return { terms };
      if (!this.isOp(tok, ',')) this.fail(tok, `expected "," between terms, found ${describe(tok)}`);
      this.next();
      if (closes(this.peek())) this.fail(this.peek(), 'a term is missing after ","');
    }
  }

  private value(): string {
    const tok = this.next();
    if (tok.t === 'word' || tok.t === 'string') return tok.v;
    return this.fail(tok, `expected a value, found ${describe(tok)}`);
  }

  private values(): string[] {
    this.expectOp('(', '"(" and a list of values');
    const values = [this.value()];
    while (this.isOp(this.peek(), ',')) {
      this.next();
      values.push(this.value());
    }
    this.expectOp(')', '")" to close the list of values');
    return values;
  }

  private term(depth: number): SelectorTerm {
    let tok = this.next();
    if (this.isOp(tok, '!')) {
      const key = this.next();
      if (key.t !== 'word') this.fail(key, `expected a label key after "!", found ${describe(key)}`);
      if (isRelationType(key.v)) return { type: 'relation_ref', relation: key.v, op: 'absent' };
      return { type: 'match', target: this.target(key.v, key), op: 'absent', values: [] };
    }
    if (this.isOp(tok, '^')) {
      const rel = this.next();
      if (rel.t !== 'word' || !isRelationType(rel.v))
        this.fail(rel, `expected a relation after "^" (runs_on, depends_on, replicates_to, member_of)`);
      return this.nested(rel.v, 'in', depth);
    }
    if (tok.t !== 'word')
      this.fail(tok, `expected a term (a label key, a field or a relation), found ${describe(tok)}`);
    const key = tok;
    tok = this.peek();
    if (isRelationType(key.v)) {
      if (this.isOp(tok, '(')) return this.nested(key.v, 'out', depth);
      if (this.isOp(tok, '=') || this.isOp(tok, '==') || this.isOp(tok, '!=')) {
        this.next();
        const at = this.peek();
        const ref = this.value();
        const slash = ref.indexOf('/');
        const kind = slash > 0 ? ref.slice(0, slash) : undefined;
        if (kind !== undefined && !KIND_PATTERN.test(kind)) this.fail(at, `"${kind}" is not a kind`);
        const name = slash > 0 ? ref.slice(slash + 1) : ref;
        return {
          type: 'relation_ref',
          relation: key.v,
          op: this.isOp(tok, '!=') ? 'ne' : 'eq',
          ...(kind === undefined ? {} : { kind }),
          name,
        };
      }
      return { type: 'relation_ref', relation: key.v, op: 'exists' };
    }
    const target = this.target(key.v, key);
    if (this.isOp(tok, '=') || this.isOp(tok, '==')) {
      this.next();
      return { type: 'match', target, op: 'eq', values: [this.value()] };
    }
    if (this.isOp(tok, '!=')) {
      this.next();
      return { type: 'match', target, op: 'ne', values: [this.value()] };
    }
    if (tok.t === 'word' && (tok.v === 'in' || tok.v === 'notin')) {
      this.next();
      return { type: 'match', target, op: tok.v, values: this.values() };
    }
    return { type: 'match', target, op: 'exists', values: [] };
  }

  private target(key: string, tok: Token): MatchTerm['target'] {
    if (isField(key)) return { field: key };
    if (!/^[A-Za-z0-9]([A-Za-z0-9._/-]*[A-Za-z0-9])?$/.test(key))
      this.fail(tok, `"${key}" is not a label key (letters, digits, ".", "_", "/" and "-")`);
    return { label: key };
  }

  private nested(relation: RelationType, direction: 'out' | 'in', depth: number): RelationTerm {
    this.expectOp('(', `"(" and a selector after ${relation}`);
    const selector = this.selector(depth + 1);
    this.expectOp(')', `")" to close ${relation}(`);
    return { type: 'relation', relation, direction, selector };
  }
}

/** Parses a selector; a mistake throws `invalid_input` naming the column. */
export function parseSelector(text: string): Selector {
  if (text.length > MAX_SELECTOR_LENGTH)
    throw selectorError(text.slice(0, 40), 1, `longer than ${MAX_SELECTOR_LENGTH} characters`);
  const parser = new Parser(text, tokenize(text));
  return parser.selector(0);
}

/** A value written so the parser reads it back as one value, whatever it holds. */
export function quoteSelectorValue(v: string): string {
  return /^[A-Za-z0-9._\-/:@]+$/.test(v) ? v : `"${v.replace(/[\\"]/g, '\\$&')}"`;
}
const quote = quoteSelectorValue;

/** The selector written back in its canonical form (for messages and logs). */
export function formatSelector(s: Selector): string {
  return s.terms
    .map((t): string => {
      if (t.type === 'relation')
        return `${t.direction === 'in' ? '^' : ''}${t.relation}(${formatSelector(t.selector)})`;
      if (t.type === 'relation_ref') {
        const ref = t.kind === undefined ? (t.name ?? '') : `${t.kind}/${t.name ?? ''}`;
        if (t.op === 'exists') return t.relation;
        if (t.op === 'absent') return `!${t.relation}`;
        return `${t.relation}${t.op === 'eq' ? '=' : '!='}${quote(ref)}`;
      }
      const key = 'field' in t.target ? t.target.field : t.target.label;
      switch (t.op) {
        case 'exists':
          return key;
        case 'absent':
          return `!${key}`;
        case 'eq':
          return `${key}=${quote(t.values[0]!)}`;
        case 'ne':
          return `${key}!=${quote(t.values[0]!)}`;
        default:
          return `${key} ${t.op} (${t.values.map(quote).join(',')})`;
      }
    })
    .join(',');
}
