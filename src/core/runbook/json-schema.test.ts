import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runbookJsonSchema, RUNBOOK_SCHEMA_ID } from './json-schema.ts';

const committed = new URL('../../../schemas/runbook.schema.json', import.meta.url);

describe('the runbook JSON Schema', () => {
  it('the committed schemas/runbook.schema.json is the one generated from the model', () => {
    const expected = `${JSON.stringify(runbookJsonSchema(), null, 2)}\n`;
    expect(
      readFileSync(committed, 'utf8'),
      'schemas/runbook.schema.json is out of date: run `npm run schema:runbook` and commit the result',
    ).toBe(expected);
  });

  it('writes the step schema once, for steps and finally', () => {
    const text = JSON.stringify(runbookJsonSchema());
    expect(text.match(/"\$ref":"#\/\$defs\/Step"/g)).toHaveLength(2);
  });

  it('names itself and requires the top-level fields', () => {
    const schema = runbookJsonSchema();
    expect(schema.$id).toBe(RUNBOOK_SCHEMA_ID);
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.required).toEqual(['apiVersion', 'kind', 'metadata', 'spec']);
    expect(schema.additionalProperties).toBe(false);
  });

  it('leaves fields with defaults optional, as a user writes them', () => {
    const schema = runbookJsonSchema() as {
      $defs: { Step: { required: string[]; properties: { retry: { required?: string[] } } } };
    };
    expect(schema.$defs.Step.required).toEqual(['id']);
    expect(schema.$defs.Step.properties.retry.required).toBeUndefined();
  });
});
