import { describe, expect, it } from 'vitest';
import { buildAnswers, coerceAnswer } from '../../src/cli/answers.ts';

const form = {
  type: 'object',
  properties: {
    ticket: { type: 'string' },
    hosts: { type: 'integer' },
    ratio: { type: 'number' },
    dry: { type: 'boolean' },
    tags: { type: 'array' },
  },
};

describe('answers from the command line', () => {
  it('reads each --set per the type the form gives the field', () => {
    expect(
      buildAnswers(
        {},
        ['ticket=0042', 'hosts=3', 'ratio=0.5', 'dry=false', 'tags=["a","b"]', 'other=7'],
        form,
      ),
    ).toEqual({ ticket: '0042', hosts: 3, ratio: 0.5, dry: false, tags: ['a', 'b'], other: '7' });
  });

  it('leaves text a type cannot read as text, for the server to name', () => {
    expect(coerceAnswer({ type: 'integer' }, 'three')).toBe('three');
    expect(coerceAnswer({ type: 'integer' }, '')).toBe('');
    expect(coerceAnswer({ type: 'boolean' }, 'yes')).toBe('yes');
  });

  it('lets --set override the file and refuses a flag without =', () => {
    expect(buildAnswers({ ticket: 'CHG-1', hosts: 1 }, ['hosts=2'], form)).toEqual({
      ticket: 'CHG-1',
      hosts: 2,
    });
    expect(() => buildAnswers({}, ['hosts'], form)).toThrow(/expected name=value/);
  });
});
