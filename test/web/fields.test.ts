import { describe, expect, it } from 'vitest';
import {
  fieldsFromInputs,
  fieldsFromSchema,
  initialRaw,
  parseField,
  serverFieldErrors,
  validateFields,
} from '../../web/src/forms/fields.ts';

describe('forms generated from runbook inputs', () => {
  const fields = fieldsFromInputs({
    release: { type: 'string', required: true, description: 'tag' },
    replicas: { type: 'integer', default: 2 },
    ratio: { type: 'number' },
    env: { type: 'enum', enum: ['staging', 'production'], default: 'staging' },
    level: { type: 'enum', enum: [1, 2, 3] },
    dry_run: { type: 'boolean', default: true },
    hosts: { type: 'array', default: ['a'] },
    extra: { type: 'object' },
    password: { type: 'string', secret: true, default: 'hunter2' },
  });
  const byName = (n: string) => fields.find((f) => f.name === n)!;

  it('start from the defaults, never showing a secret default', () => {
    expect(initialRaw(byName('replicas'))).toBe('2');
    expect(initialRaw(byName('env'))).toBe('staging');
    expect(initialRaw(byName('dry_run'))).toBe(true);
    expect(initialRaw(byName('hosts'))).toBe('[\n  "a"\n]');
    expect(initialRaw(byName('password'))).toBe('');
  });

  it('a required input with a default is not required of the person', () => {
    expect(byName('release').required).toBe(true);
    expect(fieldsFromInputs({ r: { required: true, default: 'x' } })[0]!.required).toBe(false);
  });

  it('refuse what the server would refuse, with a reason per field', () => {
    const { values, errors } = validateFields(fields, {
      release: '',
      replicas: '2.5',
      ratio: 'abc',
      level: '4',
      hosts: '{"a": 1}',
      extra: '{oops',
    });
    expect(errors).toEqual({
      release: { key: 'required' },
      replicas: { key: 'integer' },
      ratio: { key: 'number' },
      level: { key: 'enum' },
      hosts: { key: 'array' },
      extra: { key: 'json' },
    });
    expect(values).toEqual({ env: 'staging', dry_run: true });
  });

  it('send typed values: numbers, enum members of their own type, parsed JSON', () => {
    const { values, errors } = validateFields(fields, {
      release: 'v1.2',
      replicas: ' 3 ',
      ratio: '0.5',
      level: '2',
      dry_run: false,
      hosts: '["x", "y"]',
      extra: '{"k": true}',
      password: 's3cret',
    });
    expect(errors).toEqual({});
    expect(values).toEqual({
      release: 'v1.2',
      replicas: 3,
      ratio: 0.5,
      env: 'staging',
      level: 2,
      dry_run: false,
      hosts: ['x', 'y'],
      extra: { k: true },
      password: 's3cret',
    });
  });

  it('leave an emptied optional field out, so the server applies its default', () => {
    expect(parseField(byName('replicas'), '')).toEqual({});
  });

  it('show the server reasons on the fields they name', () => {
    expect(
      serverFieldErrors([
        { path: 'inputs.release', message: 'input "release" is required' },
        { path: 'outputs.ticket', message: 'must match pattern' },
        { path: 'runbook', message: 'unknown' },
      ]),
    ).toEqual({ release: 'input "release" is required', ticket: 'must match pattern' });
  });
});

describe('forms generated from a manual task JSON Schema', () => {
  const fields = fieldsFromSchema({
    type: 'object',
    required: ['ticket'],
    properties: {
      ticket: { type: 'string', title: 'Ticket', pattern: '^CHG-[0-9]+$', maxLength: 12 },
      count: { type: 'integer', minimum: 1, maximum: 5 },
      ok: { type: 'boolean' },
      choice: { type: ['string', 'null'], enum: ['a', 'b'] },
    },
  });

  it('read titles, types, requirements and bounds', () => {
    expect(fields.map((f) => [f.name, f.type, f.required])).toEqual([
      ['ticket', 'string', true],
      ['count', 'integer', false],
      ['ok', 'boolean', false],
      ['choice', 'string', false],
    ]);
    expect(fields[0]!.title).toBe('Ticket');
  });

  it('check patterns, lengths and ranges before sending', () => {
    const [ticket, count] = fields;
    expect(parseField(ticket!, 'CHG-12')).toEqual({ value: 'CHG-12' });
    expect(parseField(ticket!, 'chg-1').error?.key).toBe('pattern');
    expect(parseField(ticket!, 'CHG-1234567890').error?.key).toBe('maxLength');
    expect(parseField(count!, '0')).toEqual({ error: { key: 'minimum', limit: '1' } });
    expect(parseField(count!, '6')).toEqual({ error: { key: 'maximum', limit: '5' } });
    expect(parseField(count!, '5')).toEqual({ value: 5 });
  });
});
