/**
 * Here-documents for the shell lexer: `<<WORD` / `<<-WORD` announce a body that starts after
 * the next unquoted newline and ends at a line equal to WORD (leading tabs removed for `<<-`).
 * Inside a body a quoted value is not a word: with an unquoted WORD the body is expanded as if
 * double-quoted, so `$(…)` in a value would run; with a quoted WORD its quotes stay literal.
 */
interface HereDoc {
  delimiter: string;
  stripTabs: boolean;
}

const ENDS_WORD = new Set([' ', '\t', '\n', ';', '&', '|', '(', ')', '<', '>']);

export class HereDocs {
  #announced: HereDoc[] = [];
  #bodies: HereDoc[] = [];
  #line = '';
  #lineHasExpression = false;

  /** Inside a here-document body. */
  get reading(): boolean {
    return this.#bodies.length > 0;
  }

  /**
   * Read the delimiter word after `<<` (from `i`); quotes and backslashes in it are removed.
   * `open` is true when the text ends inside the word, so what follows would continue it.
   */
  announce(text: string, i: number): { next: number; open: boolean } {
    let stripTabs = false;
    if (text[i] === '-') {
      stripTabs = true;
      i++;
    }
    while (text[i] === ' ' || text[i] === '\t') i++;
    let delimiter = '';
    while (i < text.length && !ENDS_WORD.has(text[i]!)) {
      const ch = text[i]!;
      if (ch === "'" || ch === '"') {
        const close = text.indexOf(ch, i + 1);
        const end = close === -1 ? text.length : close;
        delimiter += text.slice(i + 1, end);
        i = end + 1;
      } else if (ch === '\\') {
        delimiter += text[i + 1] ?? '';
        i += 2;
      } else {
        delimiter += ch;
        i++;
      }
    }
    if (delimiter !== '') this.#announced.push({ delimiter, stripTabs });
    return { next: i, open: i >= text.length };
  }

  /** An unquoted newline: the bodies announced on the line now begin. */
  newline(): void {
    if (this.#announced.length === 0) return;
    this.#bodies = this.#announced;
    this.#announced = [];
  }

  /** A `${{ }}` inside the current body line: that line can no longer be the delimiter. */
  markExpression(): void {
    this.#lineHasExpression = true;
  }

  /** Read one character of a body; true when it ended the last body. */
  bodyChar(ch: string): boolean {
    if (ch !== '\n') {
      this.#line += ch;
      return false;
    }
    const doc = this.#bodies[0]!;
    const line = doc.stripTabs ? this.#line.replace(/^\t+/, '') : this.#line;
    if (!this.#lineHasExpression && line === doc.delimiter) this.#bodies.shift();
    this.#line = '';
    this.#lineHasExpression = false;
    return this.#bodies.length === 0;
  }
}
