/**
 * The published JSON Schema of runbooks (`schemas/runbook.schema.json`), generated from the zod
 * model so editors validate exactly what Tandem accepts (bar the checks between fields).
 */
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { runbookSpec } from './model.ts';

export const RUNBOOK_SCHEMA_ID = 'https://tandem.dev/schemas/runbook.schema.json';

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function child(value: unknown, ...keys: string[]): JsonObject | undefined {
  let current = value;
  for (const key of keys) current = isObject(current) ? current[key] : undefined;
  return isObject(current) ? current : undefined;
}

/** The JSON Schema (draft 2020-12) of a runbook as written: fields with defaults are optional. */
export function runbookJsonSchema(): JsonObject {
  const { $schema, ...generated } = z.toJSONSchema(runbookSpec, { io: 'input' }) as JsonObject;
  // `steps` and `finally` hold the same step schema: write it once, as $defs.Step.
  const defs: JsonObject = {};
  const steps = child(generated, 'properties', 'spec', 'properties', 'steps');
  const final = child(generated, 'properties', 'spec', 'properties', 'finally');
  if (steps && final && isDeepStrictEqual(steps.items, final.items)) {
    defs.Step = steps.items;
    steps.items = final.items = { $ref: '#/$defs/Step' };
  }
  return {
    $schema,
    $id: RUNBOOK_SCHEMA_ID,
    title: 'Tandem runbook',
    description:
      'A runbook (apiVersion: tandem/v1, kind: Runbook): the steps of an operation and their order.',
    ...generated,
    $defs: defs,
  };
}
