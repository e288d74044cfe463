/**
 * Checks of every rendered field: its expressions compile, and the steps and inputs they name
 * exist and have run by the time the field is evaluated.
 */
import {
  checkShellTemplate,
  compileExpression,
  ExpressionError,
  parseTemplate,
  pureExpression,
} from '../expr/index.ts';
import { ancestors } from './dag.ts';
import { expressionSpan, references, type ExpressionSpan, type Reference } from './references.ts';
import type { Runbook } from './model.ts';
import type { ProblemList } from './problems.ts';
import { didYouMean } from './suggest.ts';
import { templateFields, type TemplateField } from './template-fields.ts';

/**
 * Runs `compile`; an `ExpressionError` becomes a problem at its column (shifted by `start`) and
 * the result is undefined.
 */
function compiled<T>(
  field: TemplateField,
  problems: ProblemList,
  start: number,
  compile: () => T,
): T | undefined {
  try {
    return compile();
  } catch (err: unknown) {
    if (!(err instanceof ExpressionError)) throw err;
    problems.add(field.path, `invalid expression: ${err.message}`, { offset: start + (err.column ?? 0) });
    return undefined;
  }
}

/** The expressions of a field, or undefined when one does not compile (the problem is added). */
function compileField(field: TemplateField, problems: ProblemList): ExpressionSpan[] | undefined {
  const { text } = field;
  const parts = compiled(field, problems, 0, () => parseTemplate(text));
  if (parts === undefined) return undefined;
  const spans = parts.flatMap((part) =>
    part.kind === 'expr' ? [expressionSpan(part.source, part.offset)] : [],
  );
  // A shell line's expressions each become one quoted word: one inside "…" would not.
  const shellLine =
    field.path.at(-1) === 'shell' || (field.path.at(-2) === 'ssh' && field.path.at(-1) === 'command');
  if (shellLine && compiled(field, problems, 0, () => checkShellTemplate(text)) === undefined)
    return undefined;
  if (field.mode === 'template') return spans;
  if (pureExpression(text) !== undefined) return spans;
  const open = text.indexOf('${{');
  if (open >= 0) {
    const name = String(field.path.at(-1));
    problems.add(
      field.path,
      `${name}: must be one expression: write bare CEL or a single \${{ … }} with no text around it`,
      { offset: open },
    );
    return undefined;
  }
  return compiled(field, problems, 0, () => compileExpression(text)) === undefined
    ? undefined
    : [expressionSpan(text)];
}

interface Context {
  inputs: Set<string>;
  mainSteps: Set<string>;
  finallySteps: Set<string>;
  ancestorsOf: (id: string) => Set<string>;
}

/** Why a field may not read `steps.<id>`, or undefined when it may. */
function stepProblem(field: TemplateField, id: string, ctx: Context): string | undefined {
  const { scope } = field;
  switch (scope.kind) {
    case 'run-end':
      return undefined;
    case 'run-start':
      return `spec.concurrency is rendered when the run starts, before any step: it cannot use steps.${id}`;
    case 'step': {
      if (scope.section === 'finally') return undefined;
      if (ctx.finallySteps.has(id)) return `steps.${id} is a finally step; it runs after every main step`;
      if (id === scope.stepId) {
        if (scope.compensate) return undefined;
        return `steps.${id} is this step itself, which has not finished when this is rendered (in outputs:, use result)`;
      }
      if (ctx.ancestorsOf(scope.stepId).has(id)) return undefined;
      return (
        `steps.${id} is not among this step's needs (directly or transitively); ` +
        `its outputs might not exist yet: add "${id}" to needs`
      );
    }
  }
}

function referenceProblem(field: TemplateField, ref: Reference, ctx: Context): string | undefined {
  if (ref.root === 'inputs') {
    if (ctx.inputs.has(ref.name)) return undefined;
    return `inputs.${ref.name} is not declared in spec.inputs${didYouMean(ref.name, ctx.inputs)}`;
  }
  let id = ref.name;
  if (!ctx.mainSteps.has(id) && !ctx.finallySteps.has(id)) {
    // `steps.a-b` reads as `steps.a - b` in CEL: when `a` is a step, this is not a reference to `a-b`.
    const head = id.split('-')[0]!;
    if (id.includes('-') && (ctx.mainSteps.has(head) || ctx.finallySteps.has(head))) id = head;
    else {
      const known = [...ctx.mainSteps, ...ctx.finallySteps];
      return `steps.${ref.name} refers to a step that does not exist${didYouMean(ref.name, known)}`;
    }
  }
  return stepProblem(field, id, ctx);
}

/** Adds a problem for each expression that does not compile or names what it may not read. */
export function checkExpressions(spec: Runbook['spec'], problems: ProblemList): void {
  const cache = new Map<string, Set<string>>();
  const ctx: Context = {
    inputs: new Set(Object.keys(spec.inputs ?? {})),
    mainSteps: new Set(spec.steps.map((s) => s.id)),
    finallySteps: new Set((spec.finally ?? []).map((s) => s.id)),
    ancestorsOf: (id) => {
      let found = cache.get(id);
      if (found === undefined) cache.set(id, (found = ancestors(spec.steps, id)));
      return found;
    },
  };
  for (const field of templateFields(spec)) {
    const spans = compileField(field, problems);
    for (const span of spans ?? []) {
      for (const ref of references(span)) {
        const problem = referenceProblem(field, ref, ctx);
        if (problem !== undefined) problems.add(field.path, problem, { offset: span.start + ref.index });
      }
    }
  }
}
