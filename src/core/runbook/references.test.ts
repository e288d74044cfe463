import { describe, expect, it } from 'vitest';
import { expressionSpan, maskStrings, references } from './references.ts';

describe('references in expressions', () => {
  it('blanks string literals without moving offsets', () => {
    expect(maskStrings("a + \"steps.x\" + 'q\\'r'")).toBe('a + "       " + \'    \'');
  });

  it('finds steps and inputs references, dotted or bracketed, outside strings', () => {
    const span = expressionSpan(
      'steps.a.outputs.n + inputs.b + steps["c-d"].status + "steps.e" + x.inputs.f',
    );
    expect(references(span)).toEqual([
      { root: 'steps', name: 'a', index: 0 },
      { root: 'inputs', name: 'b', index: 20 },
      { root: 'steps', name: 'c-d', index: 31 },
    ]);
  });
});
