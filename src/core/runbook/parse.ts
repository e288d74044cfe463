/**
 * Reading a runbook: YAML, then the schema, then the rules between fields. Every problem found is
 * reported at once, each with its path, line and column.
 */
import type { YAMLError } from 'yaml';
import { checkExpressions } from './check-expressions.ts';
import { checkInputSpecs } from './check-inputs.ts';
import { checkSteps } from './check-steps.ts';
import { checkTasks } from './check-tasks.ts';
import { runbookSpec, type Runbook } from './model.ts';
import { ProblemList } from './problems.ts';
import { reportZodIssues } from './zod-issues.ts';
import { formatPath, YamlSource } from './yaml-source.ts';

const YAML_HINTS: Partial<Record<YAMLError['code'], string>> = {
  BLOCK_AS_IMPLICIT_KEY: '; a value that contains ": " must be quoted',
  TAB_AS_INDENT: '; indent with spaces',
  MULTIPLE_DOCS: '; a file holds one runbook: remove the --- separator',
};

function yamlMessage(error: YAMLError, source: YamlSource, problems: ProblemList): void {
  const [offset] = error.pos;
  const path = source.pathAt(offset);
  const position = source.positionAt(offset);
  if (error.code === 'DUPLICATE_KEY') {
    const key = String(path.at(-1));
    const parent = path.slice(0, -1);
    const first = source.keyPositions(path)[0];
    const shown = parent.length === 0 ? 'the top level' : formatPath(parent);
    const where = first && first.line !== position.line ? ` (first at line ${first.line})` : '';
    problems.addAt(path, `duplicate key "${key}" in ${shown}${where}; a key may appear only once`, position);
    return;
  }
  problems.addAt(path, `YAML syntax error: ${error.message}${YAML_HINTS[error.code] ?? ''}`, position);
}

/**
 * Parses and validates a runbook. Throws one `TandemError('invalid_runbook')` whose `details`
 * list every problem: YAML syntax and duplicate keys, schema violations (unknown or missing
 * fields, wrong types, bad durations), then — on a structurally valid runbook — step bodies,
 * ids, needs, cycles, input defaults and the expressions of every rendered field.
 * Returns the runbook with the schema's defaults applied.
 */
export function parseRunbook(text: string): Runbook {
  const source = new YamlSource(text);
  const problems = new ProblemList(source);
  for (const error of source.doc.errors) yamlMessage(error, source, problems);
  // Past a syntax error the tree may not be what the user meant; duplicate keys leave it sound.
  if (source.doc.errors.some((e) => e.code !== 'DUPLICATE_KEY')) throw problems.toError();

  const data = source.data();
  if ('error' in data) {
    problems.addAt([], data.error, { line: 1, column: 1 });
    throw problems.toError();
  }
  const input = data.value;
  if (input === null || input === undefined) {
    problems.addAt([], 'the runbook is empty; it starts with apiVersion: tandem/v1 and kind: Runbook', {
      line: 1,
      column: 1,
    });
    throw problems.toError();
  }
  const parsed = runbookSpec.safeParse(input);
  if (!parsed.success) {
    reportZodIssues(parsed.error.issues, input, problems);
    throw problems.toError();
  }
  const { spec } = parsed.data;
  checkSteps(spec, problems);
  checkInputSpecs(spec, problems);
  checkTasks(spec, problems);
  checkExpressions(spec, problems);
  if (problems.size > 0) throw problems.toError();
  return parsed.data;
}
