import { describe, expect, it } from 'vitest';
import { isTandemError, type ErrorDetail } from '../errors.ts';
import { coerceInputString, resolveInputs } from './inputs.ts';
import type { InputSpec } from './model.ts';

const specs: Record<string, InputSpec> = {
  service: { type: 'string', required: true },
  replicas: { type: 'integer', default: 2 },
  ratio: { type: 'number' },
  dry_run: { type: 'boolean', default: false },
  tags: { type: 'array' },
  extra: { type: 'object' },
  mode: { type: 'enum', enum: ['fast', 'safe'], default: 'safe' },
  region: { type: 'string', enum: ['eu', 'us'] },
};

function inputProblems(given: unknown, declared = specs): ErrorDetail[] {
  try {
    resolveInputs(declared, given);
  } catch (err: unknown) {
    if (isTandemError(err, 'invalid_input')) return err.details;
    throw err;
  }
  throw new Error('expected the inputs to be refused');
}

describe('resolveInputs', () => {
  it('applies defaults and keeps given values', () => {
    expect(resolveInputs(specs, { service: 'pg', ratio: 0.5 })).toEqual({
      service: 'pg',
      replicas: 2,
      ratio: 0.5,
      dry_run: false,
      mode: 'safe',
    });
  });

  it('treats no inputs at all as an empty object', () => {
    expect(resolveInputs({ a: { type: 'string', default: 'x' } }, undefined)).toEqual({ a: 'x' });
    expect(resolveInputs(undefined, undefined)).toEqual({});
  });

  it('refuses inputs that are not an object', () => {
    expect(inputProblems(['service'])).toEqual([
      { path: 'inputs', message: 'expected an object, got an array' },
    ]);
  });

  it('refuses an unknown input and lists the declared ones', () => {
    const problems = inputProblems({ service: 'pg', servce: 'x' });
    expect(problems.map((p) => p.path)).toEqual(['inputs.servce']);
    expect(problems[0]?.message).toMatch(/^unknown input "servce"; it takes: service, replicas, ratio/);
  });

  it('says so when the runbook takes no inputs', () => {
    expect(inputProblems({ a: 1 }, {})[0]?.message).toMatch(/takes no inputs/);
  });

  it('refuses a missing required input', () => {
    expect(inputProblems({})).toEqual([{ path: 'inputs.service', message: 'input "service" is required' }]);
  });

  it('accepts a missing required input that has a default', () => {
    expect(resolveInputs({ a: { type: 'string', required: true, default: 'x' } }, {})).toEqual({ a: 'x' });
  });

  it.each([
    ['replicas', 1.5, /expected an integer, got 1\.5/],
    ['replicas', '3', /expected an integer, got "3"/],
    ['ratio', Infinity, /expected a number/],
    ['dry_run', 'yes', /expected true or false/],
    ['tags', { a: 1 }, /expected an array, got an object/],
    ['extra', [1], /expected an object, got an array/],
    ['extra', null, /expected an object, got null/],
    ['service', 42, /expected a string, got 42/],
  ])('refuses %s = %j with the expected type', (name, value, message) => {
    const problems = inputProblems({ service: 'pg', [name]: value });
    expect(problems.map((p) => p.path)).toEqual([`inputs.${name}`]);
    expect(problems[0]?.message).toMatch(message);
  });

  it('refuses a value outside enum', () => {
    expect(inputProblems({ service: 'pg', mode: 'reckless', region: 'ap' })).toEqual([
      { path: 'inputs.mode', message: 'expected one of "fast", "safe", got "reckless"' },
      { path: 'inputs.region', message: 'expected one of "eu", "us", got "ap"' },
    ]);
  });

  it('never repeats the value of a secret input in a message', () => {
    const declared: Record<string, InputSpec> = { token: { type: 'integer', secret: true } };
    expect(inputProblems({ token: 'hunter2' }, declared)).toEqual([
      { path: 'inputs.token', message: 'expected an integer, got a string' },
    ]);
  });

  it('reports every problem at once', () => {
    const paths = inputProblems({ bogus: 1, replicas: 'x', mode: 1 }).map((d) => d.path);
    expect(paths.sort()).toEqual(['inputs.bogus', 'inputs.mode', 'inputs.replicas', 'inputs.service']);
  });
});

describe('coerceInputString', () => {
  it.each([
    ['3', 3, specs.replicas],
    ['0.25', 0.25, specs.ratio],
    ['abc', 'abc', specs.ratio],
    ['', '', specs.ratio],
    ['true', true, specs.dry_run],
    ['false', false, specs.dry_run],
    ['maybe', 'maybe', specs.dry_run],
    ['["a","b"]', ['a', 'b'], specs.tags],
    ['{"a":1}', { a: 1 }, specs.extra],
    ['{oops', '{oops', specs.extra],
    ['42', '42', specs.service],
    ['x', 'x', undefined],
    ['2', 2, { type: 'enum', enum: [1, 2] } satisfies InputSpec],
  ])('"%s" reads as %j for the declared type %o', (raw, value, spec) => {
    expect(coerceInputString(spec, raw)).toEqual(value);
  });

  it('leaves text that does not parse for resolveInputs to report', () => {
    const given = { service: 'pg', replicas: coerceInputString(specs.replicas, 'three') };
    expect(inputProblems(given)).toEqual([
      { path: 'inputs.replicas', message: 'expected an integer, got "three"' },
    ]);
  });
});
