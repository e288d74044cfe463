/**
 * What the shell lexer knows about the command it is reading, per unquoted frame (the top level
 * or one `$( … )`): whether the next word is a command name, open `case … esac`, and the bash
 * constructs that evaluate a quoted word again as arithmetic — where `a[$(cmd)]` in a value
 * would run `cmd` although it arrived quoted: `[[ … ]]` (operands of -eq, -lt…) and the
 * arguments of `let` and `declare -i` (also typeset/local/export/readonly). Array subscripts
 * (`a[…]=`, `x=([…]=v)`) are tracked by the lexer, which sees the `[`.
 */
const KEEP_COMMAND_POSITION = new Set('then do else elif if while until ! { time'.split(' '));
const DECLARATIONS = new Set('declare typeset local export readonly'.split(' '));
const ENDS_COMMAND = new Set(['\n', ';', '&', '|', '(']);

export class CommandState {
  /** The next word is a command name (or an assignment before it). */
  commandPosition = true;
  /** Open `case … esac`: their pattern `)` does not close a `$( … )`. */
  cases = 0;
  #inTest = false;
  #declaration = false;
  #arithmeticArgs = false;

  /**
   * A word ended at `separator`. `word` is its text when it was plain (no quotes, no expansion,
   * no `${{ }}`), else undefined.
   */
  endWord(word: string | undefined, separator: string): void {
    if (this.commandPosition && word !== undefined) {
      if (word === 'case') this.cases++;
      else if (word === 'esac' && this.cases > 0) this.cases--;
      else if (word === '[[') this.#inTest = true;
      else if (word === 'let') this.#arithmeticArgs = true;
      else if (DECLARATIONS.has(word)) this.#declaration = true;
    }
    if (word === ']]') this.#inTest = false;
    if (this.#declaration && word !== undefined && /^-[A-Za-z]*i/.test(word)) this.#arithmeticArgs = true;
    if (word !== '')
      this.commandPosition = this.commandPosition && word !== undefined && KEEP_COMMAND_POSITION.has(word);
    if (ENDS_COMMAND.has(separator)) {
      this.commandPosition = true;
      // `&&` and `||` inside [[ … ]] do not end it; only `]]` does.
      if (!this.#inTest) {
        this.#declaration = false;
        this.#arithmeticArgs = false;
      }
    }
  }

  /** Where a word may be an assignment, `name[…]=…`, whose subscript bash evaluates as arithmetic. */
  get assignmentPosition(): boolean {
    return this.commandPosition || this.#declaration;
  }

  /** Why a `${{ }}` in this command (or in a `$( … )` nested in it) is refused, if it is. */
  refusal(): string | undefined {
    if (this.#inTest) {
      return 'is inside [[ … ]], where bash evaluates operands of -eq, -lt… as arithmetic: use [ … ] or compare in CEL';
    }
    if (this.#arithmeticArgs) {
      return 'is an argument of let or declare -i, which bash evaluates as arithmetic: compute it in CEL instead';
    }
    return undefined;
  }
}
