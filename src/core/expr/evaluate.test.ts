import { describe, expect, it } from 'vitest';
import { evaluateExpression, ExpressionError, type ExprContext } from './index.ts';

function evaluationError(src: string, ctx: ExprContext): ExpressionError {
  try {
    evaluateExpression(src, ctx);
  } catch (err: unknown) {
    if (err instanceof ExpressionError) return err;
    throw err;
  }
  throw new Error(`expected ${src} to fail`);
}

const ctx: ExprContext = {
  inputs: { service: 'billing', max_lag_seconds: 30, ratio: 0.5, hosts: ['a', 'b'] },
  steps: {
    lag: { outputs: { lag_s: '12.5\n', count: '8\n' }, status: 'succeeded' },
    fetch: {
      outputs: { body: '{"replicas": 3, "load": 0.75, "tags": ["x", "y"], "owner": null}' },
      status: 'succeeded',
    },
  },
  result: { exit_code: 0, stdout: '12.5\n', stderr: '' },
};

describe('results as plain JS', () => {
  it('turns CEL ints into numbers', () => {
    expect(evaluateExpression('size(inputs.hosts)', ctx)).toBe(2);
    expect(evaluateExpression('40 + 2', ctx)).toBe(42);
  });

  it('turns an int beyond 2^53 into its decimal string', () => {
    expect(evaluateExpression('9223372036854775807', ctx)).toBe('9223372036854775807');
    expect(evaluateExpression('-9007199254740993', ctx)).toBe('-9007199254740993');
  });

  it('turns maps into plain objects and lists into arrays, all the way down', () => {
    expect(evaluateExpression('{"a": 1, "b": [1, 2.5, "x"], "c": {"d": null}}', ctx)).toEqual({
      a: 1,
      b: [1, 2.5, 'x'],
      c: { d: null },
    });
  });

  it('turns uint, timestamps, durations and types into JSON-friendly values', () => {
    expect(evaluateExpression('7u', ctx)).toBe(7);
    expect(evaluateExpression('timestamp("2024-01-01T00:00:00Z")', ctx)).toBe('2024-01-01T00:00:00.000Z');
    expect(evaluateExpression('duration("1h30m")', ctx)).toBe('5400s');
    expect(evaluateExpression('type(1)', ctx)).toBe('int');
  });

  it('keeps a __proto__ key as data', () => {
    const value = evaluateExpression('json(\'{"__proto__": {"polluted": true}}\')', ctx) as Record<
      string,
      unknown
    >;
    expect(Object.keys(value)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('numbers from the context', () => {
  it('reads a whole number as an int, so integer arithmetic works', () => {
    expect(evaluateExpression('inputs.max_lag_seconds + 1', ctx)).toBe(31);
  });

  it('reads a fractional number as a double', () => {
    expect(evaluateExpression('inputs.ratio * 2.0', ctx)).toBe(1);
  });

  it('compares ints with doubles', () => {
    expect(evaluateExpression('double(steps.lag.outputs.lag_s) < inputs.max_lag_seconds', ctx)).toBe(true);
  });
});

describe('int() and double()', () => {
  it('accept a shell output with its trailing newline', () => {
    expect(evaluateExpression('double(result.stdout)', ctx)).toBe(12.5);
    expect(evaluateExpression('int(steps.lag.outputs.count) + 1', ctx)).toBe(9);
    expect(evaluateExpression('double(" 3.5\\n")', ctx)).toBe(3.5);
    expect(evaluateExpression('int("8\\n")', ctx)).toBe(8);
  });

  it('still convert numbers as CEL does', () => {
    expect(evaluateExpression('int(12.9)', ctx)).toBe(12);
    expect(evaluateExpression('double(3)', ctx)).toBe(3);
  });

  it('refuse an empty output instead of reading it as 0', () => {
    expect(evaluationError('int(result.stderr)', ctx).message).toContain('the text is empty');
    expect(evaluationError('double("\\n")', ctx).message).toContain('the text is empty');
  });

  it('read only decimal text, not JS literals such as 0b11 or 0x10', () => {
    expect(evaluationError('int("0b11")', ctx).message).toContain('not a decimal number');
    expect(evaluationError('double("0x10")', ctx).message).toContain('not a decimal number');
    expect(evaluateExpression('int("-42")', ctx)).toBe(-42);
    expect(evaluateExpression('double("1e3")', ctx)).toBe(1000);
    expect(evaluateExpression('double(".5")', ctx)).toBe(0.5);
  });

  it('refuse text that is not a number, naming the function the author wrote', () => {
    const err = evaluationError('1 + int(inputs.service)', ctx);
    expect(err.message).toContain('int() type error');
    expect(err.message).not.toContain('Int(');
    expect(err.column).toBe(4);
  });
});

describe('json()', () => {
  it('parses objects, lists, ints, doubles and null', () => {
    expect(evaluateExpression('json(steps.fetch.outputs.body)', ctx)).toEqual({
      replicas: 3,
      load: 0.75,
      tags: ['x', 'y'],
      owner: null,
    });
  });

  it('gives whole numbers as ints and the others as doubles', () => {
    expect(evaluateExpression('json(steps.fetch.outputs.body).replicas + 1', ctx)).toBe(4);
    expect(evaluateExpression('json(steps.fetch.outputs.body).load * 2.0', ctx)).toBe(1.5);
    expect(evaluateExpression('"x" in json(steps.fetch.outputs.body).tags', ctx)).toBe(true);
  });

  it('refuses text that is not JSON without quoting it', () => {
    const err = evaluationError('json(secrets.token)', { secrets: { token: 's3cr3t-value' } });
    expect(err.message).toContain('not valid JSON');
    expect(err.message).not.toContain('s3cr3t');
  });
});

describe('missing values', () => {
  it('names the output it looked for when a step does not have it', () => {
    const err = evaluationError('steps.lag.outputs.seconds < 30', ctx);
    expect(err.message).toContain('steps.lag.outputs.seconds');
    expect(err.message).toContain('step "lag" has no output "seconds"; it has: lag_s, count');
    expect(err.column).toBe(18);
  });

  it('names the step it looked for when there is no such step', () => {
    expect(evaluationError('steps.nope.outputs.x', ctx).message).toContain(
      'there is no step "nope" in steps; it has: lag, fetch',
    );
  });

  it('names the key it looked for with index syntax', () => {
    expect(evaluationError('steps.lag.outputs["seconds"]', ctx).message).toContain(
      'steps.lag.outputs["seconds"]',
    );
  });

  it('refuses an unknown variable and lists the ones there are', () => {
    const err = evaluationError('foo.bar', ctx);
    expect(err.message).toContain('unknown variable "foo"; expressions here can read: inputs, steps, result');
    expect(err.column).toBe(0);
  });

  it('lets optional chaining give a default for a missing output', () => {
    expect(evaluateExpression('steps.lag.outputs.?seconds.orValue("none")', ctx)).toBe('none');
    expect(evaluateExpression('has(steps.lag.outputs.seconds)', ctx)).toBe(false);
  });
});

describe('the context is data', () => {
  it('does not expose prototype members of objects', () => {
    expect(evaluationError('inputs.constructor', ctx).reason).toBe('no_such_key');
  });

  it('refuses a function in the context with the path where it is', () => {
    expect(() => evaluateExpression('inputs.f', { inputs: { f: () => 1 } })).toThrow(
      /inputs\.f is a function/,
    );
  });
});
