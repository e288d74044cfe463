import { describe, it } from 'vitest';
import { expectProblem, runbook } from './test-support.ts';

describe('parseRunbook: input declarations', () => {
  it('an input default that does not match its type is rejected at the default', () => {
    const text = runbook(
      '  inputs:',
      '    count: { type: integer, default: 1.5 }',
      '  steps: [{ id: a, log: x }]',
    );
    expectProblem(text, {
      path: 'spec.inputs.count.default',
      line: 7,
      column: 38,
      message: /^the default does not fit the input: expected an integer, got 1\.5$/,
    });
  });

  it('an input of type enum without enum: is rejected at the input', () => {
    const text = runbook('  inputs:', '    mode: { type: enum }', '  steps: [{ id: a, log: x }]');
    expectProblem(text, {
      path: 'spec.inputs.mode.enum',
      line: 7,
      column: 11,
      message: /^input "mode" has type: enum but no enum: list of allowed values$/,
    });
  });
  it('an allowed value of the wrong type for its input is rejected', () => {
    const text = runbook(
      '  inputs:',
      '    size: { type: integer, enum: [1, two] }',
      '  steps: [{ id: a, log: x }]',
    );
    expectProblem(text, {
      path: 'spec.inputs.size.enum[1]',
      line: 7,
      column: 38,
      message: /^an allowed value of this integer input: expected an integer, got "two"$/,
    });
  });

  it('a default outside enum: is rejected', () => {
    const text = runbook(
      '  inputs:',
      '    mode: { type: enum, enum: [a, b], default: c }',
      '  steps: [{ id: a, log: x }]',
    );
    expectProblem(text, {
      path: 'spec.inputs.mode.default',
      line: 7,
      column: 48,
      message: /expected one of "a", "b", got "c"$/,
    });
  });
});
