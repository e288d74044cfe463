/**
 * `shell:` lines: each `${{ }}` becomes exactly one POSIX shell word, single-quoted, so no
 * value can add words, commands, redirections or expansions. The literal text around it is
 * left as written. Write `rm -rf ${{ inputs.dir }}/cache`, not `"${{ inputs.dir }}/cache"`:
 * a `${{ }}` inside quotes (and other places listed in shell-context.ts) is refused.
 *
 * What quoting cannot do: a command that runs its argument as code still runs the value —
 * `eval ${{ x }}`, `sh -c ${{ x }}`, `ssh host cmd ${{ x }}` (ssh joins its arguments into a
 * remote shell line), `su -c`, `xargs sh -c`, `find -exec sh -c`. Such values need an input
 * `enum`, a pattern check in an `if:`, or to travel in an environment variable or a file.
 */
import { Scope, type ExprContext } from './context.ts';
import { ExpressionError } from './errors.ts';
import { evaluateSpan, stringify } from './render.ts';
import { ShellLexer, type ShellPlacement } from './shell-context.ts';
import { parseTemplate, splitTemplate, type ExprSpan, type Span, type TemplatePart } from './template.ts';

/** `s` as one single-quoted shell word; each ' becomes '\'' (close, escaped quote, reopen). */
export function shellQuote(s: string): string {
  return `'${s.replaceAll("'", "'\\''")}'`;
}

/** Where each expression span of a shell template sits; throws for a place that is refused. */
function placements(spans: Span[]): Map<ExprSpan, ShellPlacement> {
  const lexer = new ShellLexer();
  const out = new Map<ExprSpan, ShellPlacement>();
  for (const span of spans) {
    if (span.kind === 'text') {
      lexer.feed(span.text);
      continue;
    }
    const placement = lexer.place();
    if (placement.kind === 'refused') {
      throw new ExpressionError(`in a shell line, this \${{ }} ${placement.reason}`, {
        source: span.source,
        column: span.start,
        reason: 'shell_quoting',
      });
    }
    out.set(span, placement);
  }
  return out;
}

/**
 * Check a shell template without a context: every expression compiles and sits where a quoted
 * word is safe. For runbook validation; returns the template's parts (as parseTemplate) and
 * throws `ExpressionError` with `column` otherwise.
 */
export function checkShellTemplate(text: string): TemplatePart[] {
  const parts = parseTemplate(text);
  placements(splitTemplate(text));
  return parts;
}

/**
 * Render a `shell:` line. Each value becomes one single-quoted word (null → '', objects and
 * lists → their JSON); an expression inside a `#` comment renders as nothing, unevaluated.
 */
export function renderShell(text: string, ctx: ExprContext): string {
  const spans = splitTemplate(text);
  const placed = placements(spans);
  const scope = new Scope(ctx);
  let out = '';
  for (const span of spans) {
    if (span.kind === 'text') {
      out += span.text;
      continue;
    }
    if (placed.get(span)?.kind === 'comment') continue;
    const value = stringify(evaluateSpan(span, scope));
    if (value.includes('\0')) {
      throw new ExpressionError('a value with a NUL character cannot be passed to a shell', {
        source: span.source,
        column: span.start,
        reason: 'nul_in_shell',
      });
    }
    out += shellQuote(value);
  }
  return out;
}
