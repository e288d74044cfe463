/**
 * Reading a `kind: Rule` or `kind: Schedule` document as runbooks are read: YAML, then the
 * schema, every problem with its path, line and column.
 */
import type { z } from 'zod';
import type { YAMLError } from 'yaml';
import { ProblemList } from '../runbook/problems.ts';
import { formatPath, YamlSource } from '../runbook/yaml-source.ts';
import { reportZodIssues } from '../runbook/zod-issues.ts';

/** A document that passed its schema, with the problem list for the checks between fields. */
export interface ReadDocument<T> {
  value: T;
  problems: ProblemList;
}

function yamlProblem(error: YAMLError, source: YamlSource, problems: ProblemList): void {
  const [offset] = error.pos;
  const path = source.pathAt(offset);
  const message =
    error.code === 'DUPLICATE_KEY'
      ? `duplicate key "${String(path.at(-1))}" in ${formatPath(path.slice(0, -1)) || 'the top level'}`
      : `YAML syntax error: ${error.message}${error.code === 'MULTIPLE_DOCS' ? '; a file holds one document' : ''}`;
  problems.addAt(path, message, source.positionAt(offset));
}

/**
 * Parse `text` against `schema`. Throws one `TandemError('invalid_input')` listing every YAML and
 * schema problem; on success returns the value with the schema's defaults applied.
 */
export function readDocument<S extends z.ZodType>(
  text: string,
  schema: S,
  kind: 'Rule' | 'Schedule',
): ReadDocument<z.output<S>> {
  const source = new YamlSource(text);
  const problems = new ProblemList(source, { noun: kind.toLowerCase(), code: 'invalid_input' });
  for (const error of source.doc.errors) yamlProblem(error, source, problems);
  if (problems.size > 0) throw problems.toError();
  const data = source.data();
  if ('error' in data) {
    problems.addAt([], data.error, { line: 1, column: 1 });
    throw problems.toError();
  }
  const input = data.value;
  if (input === null || input === undefined) {
    problems.addAt([], `the file is empty; it starts with apiVersion: tandem/v1 and kind: ${kind}`, {
      line: 1,
      column: 1,
    });
    throw problems.toError();
  }
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    reportZodIssues(parsed.error.issues, input, problems, [], schema);
    throw problems.toError();
  }
  return { value: parsed.data, problems };
}
