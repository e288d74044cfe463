/**
 * Reading an SLO file (`kind: SLO`): YAML, then the schema; every problem reported at once with
 * its path, line and column, as for runbooks and probes.
 */
import type { YAMLError } from 'yaml';
import { ProblemList } from '../runbook/problems.ts';
import { formatPath, YamlSource } from '../runbook/yaml-source.ts';
import { reportZodIssues } from '../runbook/zod-issues.ts';
import { sloDocumentSchema, sloOf, type Slo } from './model.ts';

const WHAT = { noun: 'SLO', code: 'invalid_input' as const };

function yamlProblem(error: YAMLError, source: YamlSource, problems: ProblemList): void {
  const [offset] = error.pos;
  const path = source.pathAt(offset);
  const message =
    error.code === 'DUPLICATE_KEY'
      ? `duplicate key "${String(path.at(-1))}" in ${formatPath(path.slice(0, -1)) || 'the top level'}`
      : `YAML syntax error: ${error.message}${error.code === 'MULTIPLE_DOCS' ? '; a file holds one document' : ''}`;
  problems.addAt(path, message, source.positionAt(offset));
}

/** Parse and validate an SLO file; throws one `TandemError('invalid_input')` listing every problem. */
export function parseSlo(text: string): Slo {
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
    problems.addAt([], 'the file is empty; it starts with apiVersion: tandem/v1 and kind: SLO', {
      line: 1,
      column: 1,
    });
    throw problems.toError();
  }
  return check(input, problems);
}

/** An SLO sent as JSON: the same checks, reported by path. */
export function parseSloValue(input: unknown): Slo {
  return check(input, new ProblemList(new YamlSource(''), WHAT));
}

function check(input: unknown, problems: ProblemList): Slo {
  const parsed = sloDocumentSchema.safeParse(input);
  if (!parsed.success) {
    reportZodIssues(parsed.error.issues, input, problems, [], sloDocumentSchema);
    throw problems.toError();
  }
  return sloOf(parsed.data);
}
