/**
 * Where each `${{ }}` of a `shell:` line sits, as the shell will read it.
 *
 * renderShell turns each value into one single-quoted word ('…', with ' written '\'' ). That
 * is safe only where a quote starts a new quoted string: in plain, unquoted command text (also
 * inside `$( … )`). Inside "…" or '…' our quotes are literal or close the author's, so the value
 * would be unquoted — `echo "${{ x }}"` with x = `$(reboot)` would run it. The same holds in
 * backquotes, `${ … }`, arithmetic, here-document bodies, after a backslash or a `$` (`$'…'`
 * is bash's escape-processing quote), and where bash evaluates a quoted word as arithmetic
 * (shell-command.ts). This lexer follows POSIX quoting, plus those bash constructs, to find
 * such places so they are refused; in a `#` comment the expression renders as nothing.
 *
 * `$'…'`, which sh and bash read differently, makes every later `${{ }}` refused. `case`
 * patterns are recognised (`case` / `esac` in command position) so their `)` does not end a
 * `$( … )`. It is a lexer, not a parser: a construct it misreads is in the author's text, and
 * can make it refuse a place or take one for a comment; the values themselves are always quoted.
 */
import { CommandState } from './shell-command.ts';
import { HereDocs } from './shell-heredoc.ts';

export type ShellPlacement = { kind: 'word' } | { kind: 'comment' } | { kind: 'refused'; reason: string };

type FrameKind = 'top' | 'sub' | 'dq' | 'sq' | 'ansi' | 'bq' | 'param' | 'arith';
interface Frame {
  kind: FrameKind;
  /** Open `(` inside this frame (subshells, case patterns written `(a)`, arithmetic). */
  parens: number;
  /** For unquoted frames (top, sub): the command being read. */
  command: CommandState;
  /** `]` for bash's old `$[ … ]` arithmetic; `))` otherwise. */
  closer?: string;
  /** Inside the `[…]` of an assignment word `name[…]=`, which bash evaluates as arithmetic. */
  subscript: boolean;
}

const REFUSED_IN: Record<Exclude<FrameKind, 'top' | 'sub'>, string> = {
  dq: 'is inside "…" quotes: remove them, each ${{ }} becomes one quoted shell word by itself',
  sq: "is inside '…' quotes: remove them, each ${{ }} becomes one quoted shell word by itself",
  ansi: "is inside $'…'",
  bq: 'is inside `…` (backquotes): use $( … ) instead',
  param: 'is inside ${ … }: assign it to a variable first (X=${{ … }}) and use "$X"',
  arith: 'is inside arithmetic, (( … )) or $(( … )): assign it to a variable first (X=${{ … }}) and use $X',
};
const WORD_BREAK = new Set([' ', '\t', '\n', ';', '&', '|', '(', ')', '<', '>']);

export class ShellLexer {
  readonly #stack: Frame[] = [{ kind: 'top', parens: 0, command: new CommandState(), subscript: false }];
  readonly #hereDocs = new HereDocs();
  #comment = false;
  #awaitingDelimiter = false;
  #sawAnsi = false;
  #endsWithBackslash = false;
  #endsWithDollar = false;
  #word = '';
  #wordIsPlain = true;
  #atWordStart = true;

  /** Read literal shell text. */
  feed(text: string): void {
    this.#endsWithBackslash = false;
    this.#endsWithDollar = false;
    this.#awaitingDelimiter = false;
    let i = 0;
    while (i < text.length) {
      if (!this.#hereDocs.reading) i = this.#char(text, i);
      else if (this.#hereDocs.bodyChar(text[i++]!)) this.#breakWord('\n');
    }
  }

  /** Judge the place of an expression at the current position, then step over its word. */
  place(): ShellPlacement {
    const refused = (reason: string): ShellPlacement => ({ kind: 'refused', reason });
    if (this.#hereDocs.reading) {
      this.#hereDocs.markExpression();
      return refused('is inside a here-document: assign it before (X=${{ … }}) and use $X in the document');
    }
    if (this.#comment) return { kind: 'comment' };
    if (this.#awaitingDelimiter) return refused('is (part of) a here-document delimiter');
    const kind = this.#frame().kind;
    if (kind !== 'top' && kind !== 'sub') return refused(REFUSED_IN[kind]);
    if (this.#endsWithBackslash) return refused('follows a backslash, which would unquote it');
    if (this.#endsWithDollar) return refused("follows a $, which would make its quotes a $'…' string");
    if (this.#sawAnsi) return refused("follows a $'…' string, which sh and bash read differently");
    // The output of a `$( … )` is evaluated again where its frame sits: look at every frame.
    for (const frame of this.#stack) {
      if (frame.kind === 'arith') return refused(REFUSED_IN.arith);
      if (frame.subscript) return refused('is inside an array subscript, which bash evaluates as arithmetic');
      const why = frame.command.refusal();
      if (why !== undefined) return refused(why);
    }
    this.#atWordStart = false;
    this.#wordIsPlain = false;
    return { kind: 'word' };
  }

  #frame(): Frame {
    return this.#stack[this.#stack.length - 1]!;
  }

  #push(kind: FrameKind, closer?: string): void {
    this.#stack.push({ kind, parens: 0, command: new CommandState(), closer, subscript: false });
    this.#atWordStart = kind === 'sub';
    this.#wordIsPlain = kind === 'sub';
    this.#word = '';
  }

  #pop(): void {
    if (this.#stack.length > 1) this.#stack.pop();
    // Back in the middle of the word that held the quote or substitution.
    this.#atWordStart = false;
    this.#wordIsPlain = false;
  }

  #char(text: string, i: number): number {
    switch (this.#frame().kind) {
      case 'top':
      case 'sub':
        return this.#unquoted(text, i);
      case 'sq':
        if (text[i] === "'") this.#pop();
        return i + 1;
      case 'ansi':
      case 'bq': {
        const close = this.#frame().kind === 'ansi' ? "'" : '`';
        if (text[i] === '\\') return i + 2;
        if (text[i] === close) this.#pop();
        return i + 1;
      }
      case 'dq':
        if (text[i] === '"') {
          this.#pop();
          return i + 1;
        }
        return this.#expansion(text, i, false);
      case 'param':
        if (text[i] === '}') {
          this.#pop();
          return i + 1;
        }
        // Quotes inside ${…} quote only when the ${…} itself is not inside "…".
        return this.#expansion(text, i, this.#stack[this.#stack.length - 2]?.kind !== 'dq');
      case 'arith':
        return this.#arithmetic(text, i);
    }
  }

  /** Backslash, `$…` expansions and backquotes, shared by "…", ${…} and $((…)). */
  #expansion(text: string, i: number, quotesCount: boolean): number {
    const ch = text[i];
    if (ch === '\\') return i + 2;
    if (ch === '`') this.#push('bq');
    else if (quotesCount && ch === "'") this.#push('sq');
    else if (quotesCount && ch === '"') this.#push('dq');
    else if (ch === '$') return this.#dollar(text, i, false);
    return i + 1;
  }

  #arithmetic(text: string, i: number): number {
    const frame = this.#frame();
    if (frame.closer === ']' && text[i] === ']') {
      this.#pop();
      return i + 1;
    }
    if (text[i] === '(') frame.parens++;
    else if (text[i] === ')') {
      if (frame.parens > 0) frame.parens--;
      else {
        this.#pop();
        return text[i + 1] === ')' ? i + 2 : i + 1;
      }
    } else return this.#expansion(text, i, true);
    return i + 1;
  }

  #dollar(text: string, i: number, unquoted: boolean): number {
    const next = text[i + 1];
    if (next === undefined) {
      this.#endsWithDollar = true;
      return i + 1;
    }
    if (unquoted && next === "'") {
      this.#sawAnsi = true;
      this.#push('ansi');
    } else if (unquoted && next === '"') this.#push('dq');
    else if (next === '(' && text[i + 2] === '(') {
      this.#push('arith');
      return i + 3;
    } else if (next === '(') this.#push('sub');
    else if (next === '{') this.#push('param');
    else if (next === '[') this.#push('arith', ']');
    else return i + 1;
    return i + 2;
  }

  #unquoted(text: string, i: number): number {
    const ch = text[i]!;
    if (this.#comment) {
      if (ch === '\n') {
        this.#comment = false;
        this.#breakWord(ch);
      }
      return i + 1;
    }
    if (WORD_BREAK.has(ch)) return this.#operator(text, i);
    if (ch === '#' && this.#atWordStart) {
      this.#comment = true;
      return i + 1;
    }
    this.#atWordStart = false;
    switch (ch) {
      case '\\':
        this.#wordIsPlain = false;
        if (i + 1 >= text.length) this.#endsWithBackslash = true;
        return i + 2;
      case "'":
        this.#push('sq');
        return i + 1;
      case '"':
        this.#push('dq');
        return i + 1;
      case '`':
        this.#push('bq');
        return i + 1;
      case '$':
        this.#wordIsPlain = false;
        return this.#dollar(text, i, true);
      default:
        this.#subscriptChar(ch);
        this.#word += ch;
        return i + 1;
    }
  }

  /** Blanks, newlines and the operator characters ; & | ( ) < >. */
  #operator(text: string, i: number): number {
    const ch = text[i]!;
    const frame = this.#frame();
    // `((` outside a word is bash arithmetic (`(( … ))`, `for (( … ))`): its text is expanded
    // as if double-quoted, so a quoted value there is not safe. dash reads two subshells.
    const arithmetic = ch === '(' && text[i + 1] === '(' && this.#atWordStart;
    this.#breakWord(ch);
    if (arithmetic) {
      this.#push('arith');
      return i + 2;
    }
    if (ch === '(') frame.parens++;
    else if (ch === ')') {
      if (frame.parens > 0) frame.parens--;
      else if (frame.command.cases === 0 && frame.kind === 'sub') this.#pop();
    } else if (ch === '<' && text[i + 1] === '<') {
      if (text[i + 2] === '<') return i + 3;
      const { next, open } = this.#hereDocs.announce(text, i + 2);
      // The text ends inside the delimiter: an expression would continue (or be) it.
      this.#awaitingDelimiter = open;
      return next;
    }
    return i + 1;
  }

  /** `name[` opens an assignment subscript (and `[` alone, in `x=([k]=v)`); `]` closes it. */
  #subscriptChar(ch: string): void {
    const frame = this.#frame();
    if (ch === ']') frame.subscript = false;
    else if (
      ch === '[' &&
      frame.command.assignmentPosition &&
      this.#wordIsPlain &&
      /^([A-Za-z_]\w*)?$/.test(this.#word)
    ) {
      frame.subscript = true;
    }
  }

  #breakWord(ch: string): void {
    const frame = this.#frame();
    frame.command.endWord(this.#wordIsPlain ? this.#word : undefined, ch);
    frame.subscript = false;
    if (ch === '\n') this.#hereDocs.newline();
    this.#word = '';
    this.#wordIsPlain = true;
    this.#atWordStart = true;
  }
}
