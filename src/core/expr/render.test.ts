import { describe, expect, it } from 'vitest';
import {
  evaluateCondition,
  ExpressionError,
  renderDeep,
  renderTemplate,
  renderValue,
  type ExprContext,
} from './index.ts';

const ctx: ExprContext = {
  inputs: { service: 'billing', replicas: 3, hosts: ['a', 'b'], ok: 'false' },
  steps: { lag: { outputs: { seconds: '12.5' }, status: 'succeeded' } },
  run: { id: 'r1', status: 'running' },
  item: { name: 'db-1' },
};

function thrown(fn: () => unknown): ExpressionError {
  try {
    fn();
  } catch (err: unknown) {
    if (err instanceof ExpressionError) return err;
    throw err;
  }
  throw new Error('expected an ExpressionError');
}

describe('renderTemplate', () => {
  it('writes strings as they are, numbers and bools via String, null as nothing, the rest as JSON', () => {
    expect(
      renderTemplate(
        's=${{ inputs.service }} n=${{ inputs.replicas }} d=${{ 2.5 }} b=${{ true }} z=${{ null }} l=${{ inputs.hosts }} m=${{ item }}',
        ctx,
      ),
    ).toBe('s=billing n=3 d=2.5 b=true z= l=["a","b"] m={"name":"db-1"}');
  });

  it('reports a missing output with its column in the template', () => {
    const text = 'Replication lag is ${{ steps.lag.outputs.lag }}s';
    const err = thrown(() => renderTemplate(text, ctx));
    expect(err.message).toContain('steps.lag.outputs.lag');
    expect(err.column).toBe(text.indexOf('lag }}'));
  });
});

describe('renderValue', () => {
  it('gives the raw value of a template that is one expression', () => {
    expect(renderValue(' ${{ inputs.hosts }} ', ctx)).toEqual(['a', 'b']);
    expect(renderValue('${{ inputs.replicas * 2 }}', ctx)).toBe(6);
    expect(renderValue('${{ double(steps.lag.outputs.seconds) }}', ctx)).toBe(12.5);
  });

  it('gives text for anything else', () => {
    expect(renderValue('n=${{ inputs.replicas }}', ctx)).toBe('n=3');
    expect(renderValue('plain', ctx)).toBe('plain');
  });
});

describe('renderDeep', () => {
  it('renders every string in objects and arrays and leaves keys and other values alone', () => {
    const body = {
      service: '${{ inputs.service }}',
      count: '${{ inputs.replicas }}',
      tags: ['${{ run.id }}', 'x-${{ run.id }}'],
      n: 5,
      t: true,
    };
    expect(renderDeep(body, ctx)).toEqual({
      service: 'billing',
      count: 3,
      tags: ['r1', 'x-r1'],
      n: 5,
      t: true,
    });
    expect(body.service).toBe('${{ inputs.service }}');
  });
});

describe('evaluateCondition', () => {
  it('accepts ${{ expr }} and a bare expression', () => {
    expect(evaluateCondition('${{ double(steps.lag.outputs.seconds) < 30.0 }}', ctx)).toBe(true);
    expect(evaluateCondition('steps.lag.status == "succeeded"', ctx)).toBe(true);
    expect(evaluateCondition(' ${{ run.status == "failed" }} ', ctx)).toBe(false);
  });

  it('refuses a string result and says what it got', () => {
    const err = thrown(() => evaluateCondition('${{ inputs.ok }}', ctx));
    expect(err.message).toContain('must give a bool');
    expect(err.message).toContain('a string');
    expect(err.column).toBe(4);
  });

  it('refuses an int result and says what it got', () => {
    expect(thrown(() => evaluateCondition('inputs.replicas', ctx)).message).toContain('gave an int');
  });

  it('refuses two expressions joined by text', () => {
    expect(thrown(() => evaluateCondition('${{ true }} && ${{ false }}', ctx)).reason).toBe(
      'not_one_expression',
    );
  });
});
