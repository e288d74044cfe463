/**
 * Reading an estate file (`kind: Estate`): YAML, then the schema, then the rules between
 * resources. Every problem is reported at once with its path, line and column, as for runbooks.
 */
import { ProblemList } from '../runbook/problems.ts';
import { readYamlDocument } from '../runbook/yaml-document.ts';
import { YamlSource } from '../runbook/yaml-source.ts';
import { reportZodIssues } from '../runbook/zod-issues.ts';
import { estateDocumentSchema, resourceKey, toResourceSpec, type ResourceSpec } from './model.ts';

/** A validated estate file: the source it is for and its resources, normalised. */
export interface EstateFile {
  source: string;
  resources: ResourceSpec[];
}

const WHAT = { noun: 'estate file', code: 'invalid_input' as const };

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
  const { input, problems } = readYamlDocument(text, { ...WHAT, kind: 'Estate' });
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
