/**
 * Selectors written in runbooks with `${{ … }}` parts. Each part becomes selector VALUES, quoted,
 * never selector syntax — as in a shell line each part is one quoted word — so an input such as
 * `web,site=other` selects the role named that, and cannot widen the selection.
 */
import { parseTemplate, renderValue, type ExprContext } from '../expr/index.ts';
import { quoteSelectorValue } from './selector.ts';

/** A rendered value as selector text: a list gives its items as values separated by commas. */
function asValues(value: unknown): string {
  if (Array.isArray(value)) return value.map(asValues).join(',');
  if (value === null || value === undefined) return '""';
  if (typeof value === 'string') return quoteSelectorValue(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return quoteSelectorValue(String(value));
  return quoteSelectorValue(JSON.stringify(value));
}

/** Render a selector template: its text as written, each expression as quoted values. */
export function renderSelectorTemplate(text: string, ctx: ExprContext): string {
  return parseTemplate(text)
    .map((part) => (part.kind === 'text' ? part.text : asValues(renderValue(`\${{ ${part.source} }}`, ctx))))
    .join('');
}

/**
 * The selector's shape with every expression standing for one value, to check it before it is
 * rendered. Undefined when an expression itself does not compile (reported elsewhere).
 */
export function selectorShape(text: string): string | undefined {
  try {
    return parseTemplate(text)
      .map((part) => (part.kind === 'text' ? part.text : 'x'))
      .join('');
  } catch {
    return undefined;
  }
}
