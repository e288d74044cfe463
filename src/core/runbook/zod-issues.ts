/**
 * zod's issues about a runbook, rewritten as problems a user can act on and placed on the YAML
 * node they are about.
 */
import { z } from 'zod';
import { describeValue } from './inputs.ts';
import { DURATION_PATTERN, runbookSpec } from './model.ts';
import type { ProblemList } from './problems.ts';
import { closest } from './suggest.ts';
import type { PathSegment } from './yaml-source.ts';

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  record: 'a mapping',
};

function describeYaml(value: unknown): string {
  if (value === null) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return describeValue(value);
}

function valueAt(input: unknown, path: readonly PathSegment[]): { found: boolean; value: unknown } {
  let value = input;
  for (const segment of path) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, segment)) {
      return { found: false, value: undefined };
    }
    value = (value as Record<PropertyKey, unknown>)[segment];
  }
  return { found: true, value };
}

function unwrap(schema: z.ZodType): z.ZodType[] {
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodDefault) {
    return unwrap(schema.unwrap() as z.ZodType);
  }
  if (schema instanceof z.ZodUnion) return (schema.options as z.ZodType[]).flatMap(unwrap);
  return [schema];
}

/** The field names the schema (the runbook's by default) allows in the mapping at `path`. */
function fieldsAt(path: readonly PathSegment[], root: z.ZodType): string[] {
  let schemas: z.ZodType[] = [root];
  for (const segment of path) {
    schemas = schemas.flatMap(unwrap).flatMap((s): z.ZodType[] => {
      if (s instanceof z.ZodObject) {
        const child = (s.shape as Record<string, z.ZodType | undefined>)[String(segment)];
        return child ? [child] : [];
      }
      if (s instanceof z.ZodArray) return [s.element as z.ZodType];
      if (s instanceof z.ZodRecord) return [s.valueType as z.ZodType];
      return [];
    });
  }
  return schemas.flatMap(unwrap).flatMap((s) => (s instanceof z.ZodObject ? Object.keys(s.shape) : []));
}

function isRootTypeIssue(branch: readonly z.core.$ZodIssue[]): boolean {
  return branch.length === 1 && branch[0]?.code === 'invalid_type' && branch[0].path.length === 0;
}

function expectedOf(issue: z.core.$ZodIssue): string {
  return issue.code === 'invalid_type' ? (EXPECTED[issue.expected] ?? issue.expected) : issue.message;
}

function sizeMessage(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig): string {
  const small = issue.code === 'too_small';
  const bound = Number(small ? issue.minimum : issue.maximum);
  const word = small ? 'at least' : 'at most';
  switch (issue.origin) {
    case 'array':
      return `must have ${word} ${bound} item${bound === 1 ? '' : 's'}`;
    case 'string':
      return small && bound === 1 ? 'must not be empty' : `must have ${word} ${bound} characters`;
    default:
      return `must be ${issue.inclusive === false ? (small ? 'more than' : 'less than') : word} ${bound}`;
  }
}

/** Adds one problem per zod issue (one per key for unknown keys). */
export function reportZodIssues(
  issues: readonly z.core.$ZodIssue[],
  input: unknown,
  problems: ProblemList,
  base: readonly PathSegment[] = [],
  /** The schema the input was checked against, to suggest field names (an estate file's, say). */
  root: z.ZodType = runbookSpec,
): void {
  for (const issue of issues) {
    const path = [...base, ...issue.path.filter((p) => typeof p !== 'symbol')];
    const { found, value } = valueAt(input, path);
    const got = `got ${describeYaml(value)}`;
    switch (issue.code) {
      case 'unrecognized_keys': {
        const allowed = fieldsAt(path, root);
        for (const key of issue.keys) {
          const guess = closest(key, allowed);
          const hint = guess ? `did you mean "${guess}"?` : `allowed here: ${allowed.join(', ')}`;
          problems.add([...path, key], `unknown field "${key}"; ${hint}`, { at: 'key' });
        }
        break;
      }
      case 'invalid_type':
        if (!found) problems.add(path, `missing required field "${String(path.at(-1))}"`);
        else problems.add(path, `expected ${expectedOf(issue)}, ${got}`);
        break;
      case 'invalid_union': {
        const deeper = issue.errors.filter((branch) => !isRootTypeIssue(branch));
        if (deeper.length === 1) reportZodIssues(deeper[0]!, input, problems, path, root);
        else if (deeper.length === 0 && issue.errors.length > 0) {
          const expected = issue.errors.map((branch) => expectedOf(branch[0]!));
          problems.add(path, `expected ${expected.join(' or ')}, ${got}`);
        } else problems.add(path, `${issue.message}, ${got}`);
        break;
      }
      case 'invalid_value': {
        const values = issue.values.map((v) => JSON.stringify(v));
        const expected = values.length === 1 ? values[0]! : `one of ${values.join(', ')}`;
        problems.add(path, `expected ${expected}, ${got}`);
        break;
      }
      case 'invalid_format':
        if (issue.pattern === String(DURATION_PATTERN)) {
          problems.add(
            path,
            `${describeYaml(value)} is not a duration; write e.g. 500ms, 30s, 5m, 2h or 1h30m`,
          );
        } else problems.add(path, `${describeYaml(value)} is not valid here: expected ${issue.message}`);
        break;
      case 'invalid_key': {
        const reasons = issue.issues.map((i) =>
          i.code === 'invalid_format' ? `expected ${i.message}` : i.message,
        );
        problems.add(path, `invalid name "${String(path.at(-1))}": ${reasons.join('; ')}`, { at: 'key' });
        break;
      }
      case 'too_small':
      case 'too_big':
        problems.add(path, `${sizeMessage(issue)}, ${got}`);
        break;
      default:
        problems.add(path, issue.message);
    }
  }
}
