/**
 * Runbooks: the YAML model, its validation, the step graph and run inputs.
 */
export * from './model.ts';
export { parseRunbook } from './parse.ts';
export { parseDuration, formatDuration } from './duration.ts';
export { topologicalOrder, findCycle, findCycles, describeCycle, ancestors, type DagNode } from './dag.ts';
export { resolveInputs, coerceInputString, checkInputValue } from './inputs.ts';
export { runbookJsonSchema, RUNBOOK_SCHEMA_ID } from './json-schema.ts';
export { runbookHash } from './hash.ts';
export { templateFields, type TemplateField, type FieldMode, type FieldScope } from './template-fields.ts';
export { compileForm, checkAnswers, answersAsOutputs, formProblem, type FormProblem } from './form.ts';
