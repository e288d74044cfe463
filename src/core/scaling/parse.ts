/**
 * Reading a `kind: ScalingPolicy` document as runbooks are read: YAML, the schema, then the
 * checks between fields, every problem with its path, line and column.
 */
import { readYamlDocument } from '../runbook/yaml-document.ts';
import { reportZodIssues } from '../runbook/zod-issues.ts';
import { checkTemplatesDeep } from '../rules/index.ts';
import { timingsOf } from './decide.ts';
import { scalingDocumentSchema, SCALING_VARIABLES, type ScalingPolicy } from './model.ts';

/** Evaluating more often than every second would only load Prometheus: it scrapes every few. */
export const MIN_INTERVAL_MS = 1_000;

/**
 * Parses and validates a scaling policy. Throws one `TandemError('invalid_input')` whose details
 * list every problem with its path, line and column.
 */
export function parseScalingPolicy(text: string): ScalingPolicy {
  const { input, problems } = readYamlDocument(text, {
    noun: 'scaling policy',
    code: 'invalid_input',
    kind: 'ScalingPolicy',
    multipleDocsHint: '; a file holds one document',
  });
  const parsed = scalingDocumentSchema.safeParse(input);
  if (!parsed.success) {
    reportZodIssues(parsed.error.issues, input, problems, [], scalingDocumentSchema);
    throw problems.toError();
  }
  const policy = parsed.data;
  const { spec } = policy;
  if (spec.scale_in_below >= spec.scale_out_above)
    problems.add(
      ['spec', 'scale_in_below'],
      `must be less than scale_out_above (${spec.scale_out_above}): the gap between them keeps a measure near one threshold from scaling out and in by turns`,
    );
  if (spec.min > spec.max) problems.add(['spec', 'min'], `must not be more than max (${spec.max})`);
  if (timingsOf(spec).intervalMs < MIN_INTERVAL_MS) problems.add(['spec', 'interval'], 'must be at least 1s');
  checkTemplatesDeep(problems, ['spec', 'scale_out', 'inputs'], spec.scale_out.inputs, SCALING_VARIABLES);
  checkTemplatesDeep(problems, ['spec', 'scale_in', 'inputs'], spec.scale_in.inputs, SCALING_VARIABLES);
  if (problems.size > 0) throw problems.toError();
  return policy;
}
