/**
 * Reading an estate file (`kind: Estate`): YAML, then the schema, then the rules between
 * resources. Every problem is reported at once with its path, line and column, as for runbooks.
 */
import type { YAMLError } from 'yaml';
import { ProblemList } from '../runbook/problems.ts';
import { formatPath, YamlSource } from '../runbook/yaml-source.ts';
import { reportZodIssues } from '../runbook/zod-issues.ts';
import { estateDocumentSchema, resourceKey, toResourceSpec, type ResourceSpec } from './model.ts';

/** A validated estate file: the source it is for and its resources, normalised. */
export interface EstateFile {
  source: string;
  resources: ResourceSpec[];
}

const WHAT = { noun: 'estate file', code: 'invalid_input' as const };

function yamlProblem(error: YAMLError, source: YamlSource, problems: ProblemList): void {
  const [offset] = error.pos;
  const path = source.pathAt(offset);
  const message =
    error.code === 'DUPLICATE_KEY'
      ? `duplicate key "${String(path.at(-1))}" in ${formatPath(path.slice(0, -1)) || 'the top level'}`
      : `YAML syntax error: ${error.message}`;
  problems.addAt(path, message, source.positionAt(offset));
}

function firstAt(problems: ProblemList, index: number): string {
  const line = problems.lineOf(['spec', 'resources', index]);
  return line === undefined ? `as resources[${index}]` : `at line ${line}`;
}

/**
 * Parses and validates an estate file. Throws one `TandemError('invalid_input')` whose details
 * list every problem: YAML syntax, schema violations (unknown or missing fields, bad names), a
 * resource listed twice.
 */
export function parseEstate(text: string): EstateFile {
  const source = new YamlSource(text);
  const problems = new ProblemList(source, WHAT);
  for (const error of source.doc.errors) yamlProblem(error, source, problems);
  if (problems.size > 0) throw problems.toError();
  const data = source.data();
  if ('error' in data) {
    problems.addAt([], data.error, { line: 1, column: 1 });
    throw problems.toError();
  }
  const input = data.value;
  if (input === null || input === undefined) {
    problems.addAt([], 'the file is empty; it starts with apiVersion: tandem/v1 and kind: Estate', {
      line: 1,
      column: 1,
    });
    throw problems.toError();
  }
  return check(input, problems);
}

/** An estate document sent as JSON: the same checks, reported by path (there are no lines). */
export function parseEstateValue(input: unknown): EstateFile {
  return check(input, new ProblemList(new YamlSource(''), WHAT));
}

function check(input: unknown, problems: ProblemList): EstateFile {
  const parsed = estateDocumentSchema.safeParse(input);
  if (!parsed.success) {
    reportZodIssues(parsed.error.issues, input, problems, [], estateDocumentSchema);
    throw problems.toError();
  }
  const first = new Map<string, number>();
  parsed.data.spec.resources.forEach((r, i) => {
    const key = resourceKey(r);
    const before = first.get(key);
    if (before === undefined) first.set(key, i);
    else
      problems.add(
        ['spec', 'resources', i, 'name'],
        `${key} is listed twice (first ${firstAt(problems, before)})`,
      );
  });
  if (problems.size > 0) throw problems.toError();
  return {
    source: parsed.data.metadata.source,
    resources: parsed.data.spec.resources.map(toResourceSpec),
  };
}
