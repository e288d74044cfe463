/**
 * The expressions of a rule or schedule, compiled when the document is applied so a mistake is
 * reported with its line and column then, not when an alert fires at night.
 */
import { compileExpression, ExpressionError, parseTemplate, pureExpression } from '../expr/index.ts';
import type { ProblemList } from '../runbook/problems.ts';
import type { PathSegment } from '../runbook/yaml-source.ts';

const COMPREHENSION = (name: string) =>
  new RegExp(`\\.\\s*(?:all|exists|exists_one|map|filter)\\s*\\(\\s*${name}\\s*,`);

/** Names the expression reads that are not among `allowed` (its own loop variables aside). */
function unknownVariables(source: string, variables: readonly string[], allowed: readonly string[]) {
  return variables.filter((v) => !allowed.includes(v) && !COMPREHENSION(v).test(source));
}

/** Compile one CEL expression found at `offset` in the field at `path`; problems are added. */
function checkExpression(
  problems: ProblemList,
  path: readonly PathSegment[],
  source: string,
  offset: number,
  allowed: readonly string[],
): void {
  try {
    const compiled = compileExpression(source);
    for (const name of unknownVariables(source, compiled.variables, allowed)) {
      const at = new RegExp(`\\b${name}\\b`).exec(source)?.index ?? 0;
      problems.add(path, `unknown variable "${name}"; expressions here see ${allowed.join(', ')}`, {
        offset: offset + at,
      });
    }
  } catch (err: unknown) {
    if (!(err instanceof ExpressionError)) throw err;
    problems.add(path, `invalid expression: ${err.message}`, { offset: offset + (err.column ?? 0) });
  }
}

/** A condition: bare CEL, or one `${{ … }}` with nothing around it. */
export function checkCondition(
  problems: ProblemList,
  path: readonly PathSegment[],
  text: string,
  allowed: readonly string[],
): void {
  const pure = pureExpression(text);
  if (pure !== undefined) return checkExpression(problems, path, pure, text.indexOf(pure), allowed);
  if (text.includes('${{')) {
    problems.add(path, 'a condition must be one expression: bare CEL or a single ${{ … }}', {
      offset: text.indexOf('${{'),
    });
    return;
  }
  checkExpression(problems, path, text, text.length - text.trimStart().length, allowed);
}

/** A template: text with `${{ … }}` parts. */
export function checkTemplate(
  problems: ProblemList,
  path: readonly PathSegment[],
  text: string,
  allowed: readonly string[],
): void {
  try {
    for (const part of parseTemplate(text))
      if (part.kind === 'expr') checkExpression(problems, path, part.source, part.offset, allowed);
  } catch (err: unknown) {
    if (!(err instanceof ExpressionError)) throw err;
    problems.add(path, `invalid expression: ${err.message}`, { offset: err.column ?? 0 });
  }
}

/** Every string inside a value (inputs may be nested objects and lists), as templates. */
export function checkTemplatesDeep(
  problems: ProblemList,
  path: readonly PathSegment[],
  value: unknown,
  allowed: readonly string[],
): void {
  if (typeof value === 'string') checkTemplate(problems, path, value, allowed);
  else if (Array.isArray(value))
    value.forEach((item: unknown, i) => {
      checkTemplatesDeep(problems, [...path, i], item, allowed);
    });
  else if (typeof value === 'object' && value !== null)
    for (const [key, item] of Object.entries(value))
      checkTemplatesDeep(problems, [...path, key], item, allowed);
}
