/**
 * Reading a probe file (`kind: Probe`): YAML, then the schema, then the site selector. Every
 * problem is reported at once with its path, line and column, as for runbooks and estate files.
 */
import type { YAMLError } from 'yaml';
import { isTandemError } from '../errors.ts';
import { parseSelector } from '../estate/index.ts';
import { ProblemList } from '../runbook/problems.ts';
import { formatPath, YamlSource } from '../runbook/yaml-source.ts';
import { reportZodIssues } from '../runbook/zod-issues.ts';
import { probeDefinition, probeDocumentSchema, type ProbeDefinition } from './model.ts';

const WHAT = { noun: 'probe file', code: 'invalid_input' as const };

function yamlProblem(error: YAMLError, source: YamlSource, problems: ProblemList): void {
  const [offset] = error.pos;
  const path = source.pathAt(offset);
  const message =
    error.code === 'DUPLICATE_KEY'
      ? `duplicate key "${String(path.at(-1))}" in ${formatPath(path.slice(0, -1)) || 'the top level'}`
      : `YAML syntax error: ${error.message}`;
  problems.addAt(path, message, source.positionAt(offset));
}

/** Parse and validate a probe file; throws one `TandemError('invalid_input')` listing every problem. */
export function parseProbe(text: string): ProbeDefinition {
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
    problems.addAt([], 'the file is empty; it starts with apiVersion: tandem/v1 and kind: Probe', {
      line: 1,
      column: 1,
    });
    throw problems.toError();
  }
  return check(input, problems);
}

/** A probe document sent as JSON: the same checks, reported by path. */
export function parseProbeValue(input: unknown): ProbeDefinition {
  return check(input, new ProblemList(new YamlSource(''), WHAT));
}

function check(input: unknown, problems: ProblemList): ProbeDefinition {
  const parsed = probeDocumentSchema.safeParse(input);
  if (!parsed.success) {
    reportZodIssues(parsed.error.issues, input, problems, [], probeDocumentSchema);
    throw problems.toError();
  }
  try {
    parseSelector(parsed.data.spec.sites);
  } catch (err: unknown) {
    problems.add(['spec', 'sites'], isTandemError(err) ? err.message : String(err));
    throw problems.toError();
  }
  return probeDefinition(parsed.data);
}
