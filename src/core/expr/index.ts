/**
 * The expression layer: CEL inside `${{ … }}` templates. See DESIGN.md "Runbooks" and
 * "Semantics in detail"; the bounds and why are in limits.ts.
 */
export { ExpressionError } from './errors.ts';
export type { ExprContext } from './context.ts';
export { compileExpression, evaluateExpression } from './compile.ts';
export type { CompiledExpression } from './compile.ts';
export { parseTemplate, templateExpressions, pureExpression } from './template.ts';
export type { TemplatePart } from './template.ts';
export { renderTemplate, renderValue, renderDeep, evaluateCondition } from './render.ts';
export { renderShell, shellQuote, checkShellTemplate } from './shell.ts';
export * as exprLimits from './limits.ts';
