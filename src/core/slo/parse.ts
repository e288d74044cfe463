/**
 * Reading an SLO file (`kind: SLO`): YAML, then the schema; every problem reported at once with
 * its path, line and column, as for runbooks and probes.
 */
import { ProblemList } from '../runbook/problems.ts';
import { readYamlDocument } from '../runbook/yaml-document.ts';
import { YamlSource } from '../runbook/yaml-source.ts';
import { reportZodIssues } from '../runbook/zod-issues.ts';
import { sloDocumentSchema, sloOf, type Slo } from './model.ts';

const WHAT = { noun: 'SLO', code: 'invalid_input' as const };

/** Parse and validate an SLO file; throws one `TandemError('invalid_input')` listing every problem. */
export function parseSlo(text: string): Slo {
  const { input, problems } = readYamlDocument(text, {
    ...WHAT,
    kind: 'SLO',
    multipleDocsHint: '; a file holds one document',
  });
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
