/**
 * Reading a probe file (`kind: Probe`): YAML, then the schema, then the site selector. Every
 * problem is reported at once with its path, line and column, as for runbooks and estate files.
 */
import { isTandemError } from '../errors.ts';
import { parseSelector } from '../estate/index.ts';
import { ProblemList } from '../runbook/problems.ts';
import { readYamlDocument } from '../runbook/yaml-document.ts';
import { YamlSource } from '../runbook/yaml-source.ts';
import { reportZodIssues } from '../runbook/zod-issues.ts';
import { probeDefinition, probeDocumentSchema, type ProbeDefinition } from './model.ts';

const WHAT = { noun: 'probe file', code: 'invalid_input' as const };

/** Parse and validate a probe file; throws one `TandemError('invalid_input')` listing every problem. */
export function parseProbe(text: string): ProbeDefinition {
  const { input, problems } = readYamlDocument(text, { ...WHAT, kind: 'Probe' });
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
