/**
 * The form of a manual `task` step: a JSON Schema (draft 2020-12) of an object, compiled with ajv
 * when the runbook is applied and used to check the answers when the task is completed.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS: its default export arrives as the module object under NodeNext.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

/** One reason answers were refused: the field (`outputs.ticket`) and what is wrong with it. */
export interface FormProblem {
  path: string;
  message: string;
}

// Strict: an unknown keyword or format is a mistake in the runbook, reported when it is applied.
// `useDefaults` fills the form's defaults into the answers.
const ajv = new Ajv2020({
  allErrors: true,
  strict: true,
  strictTypes: false,
  useDefaults: true,
  logger: false,
});
addFormats(ajv);

const compiled = new Map<string, ValidateFunction>();

/** The validator of a form; throws with ajv's reason when the schema is not a valid one. */
export function compileForm(form: Record<string, unknown>): ValidateFunction {
  const key = JSON.stringify(form);
  let validate = compiled.get(key);
  if (!validate) {
    validate = ajv.compile(form);
    // Forms are few (one per task step of each runbook version): a bound only stops a leak.
    if (compiled.size > 1_000) compiled.clear();
    compiled.set(key, validate);
  }
  return validate;
}

/** Why a form cannot be used, or undefined when it can. */
export function formProblem(form: Record<string, unknown>): string | undefined {
  if (form.type !== 'object')
    return 'the form must be the JSON Schema of an object (type: object): its properties are the answers';
  try {
    compileForm(form);
    return undefined;
  } catch (err: unknown) {
    return `the form is not a valid JSON Schema: ${err instanceof Error ? err.message : String(err)}`;
  }
}

function describeError(e: ErrorObject, prefix: string): FormProblem {
  let path = e.instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'));
  let message = e.message ?? 'is not valid';
  if (e.keyword === 'required') {
    path = [...path, (e.params as { missingProperty: string }).missingProperty];
    message = 'is required';
  } else if (e.keyword === 'additionalProperties') {
    path = [...path, (e.params as { additionalProperty: string }).additionalProperty];
    message = 'is not a field of the form';
  } else if (e.keyword === 'enum') {
    const allowed = (e.params as { allowedValues: unknown[] }).allowedValues;
    message = `must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  return { path: [prefix, ...path].join('.'), message };
}

/**
 * Check answers against the form. Answers the form accepts come back with its defaults filled in;
 * otherwise each problem names the field (under `prefix`, the body field they came in) and the reason.
 */
export function checkAnswers(
  form: Record<string, unknown>,
  answers: Record<string, unknown>,
  prefix = 'outputs',
): { ok: true; answers: Record<string, unknown> } | { ok: false; problems: FormProblem[] } {
  const validate = compileForm(form);
  const copy = structuredClone(answers);
  if (validate(copy)) return { ok: true, answers: copy };
  return { ok: false, problems: (validate.errors ?? []).map((e) => describeError(e, prefix)) };
}

/** Answers as step outputs, which are strings: text as is, anything else as JSON. */
export function answersAsOutputs(answers: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(answers)) out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  return out;
}
