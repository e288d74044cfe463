/**
 * Reading a `kind: Rule` or `kind: Schedule` document as runbooks are read: YAML, then the
 * schema, every problem with its path, line and column.
 */
import type { z } from 'zod';
import { ProblemList } from '../runbook/problems.ts';
import { readYamlDocument } from '../runbook/yaml-document.ts';
import { reportZodIssues } from '../runbook/zod-issues.ts';

/** A document that passed its schema, with the problem list for the checks between fields. */
export interface ReadDocument<T> {
  value: T;
  problems: ProblemList;
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
  const { input, problems } = readYamlDocument(text, {
    noun: kind.toLowerCase(),
    code: 'invalid_input',
    kind,
    multipleDocsHint: '; a file holds one document',
  });
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    reportZodIssues(parsed.error.issues, input, problems, [], schema);
    throw problems.toError();
  }
  return { value: parsed.data, problems };
}
