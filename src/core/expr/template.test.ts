import { describe, expect, it } from 'vitest';
import { ExpressionError, parseTemplate, pureExpression, templateExpressions } from './index.ts';

function templateError(text: string): ExpressionError {
  try {
    parseTemplate(text);
  } catch (err: unknown) {
    if (err instanceof ExpressionError) return err;
    throw err;
  }
  throw new Error(`expected ${text} not to parse`);
}

describe('parseTemplate', () => {
  it('splits text and expressions, with the offset of each source', () => {
    expect(parseTemplate('failover-${{ inputs.service }}!')).toEqual([
      { kind: 'text', text: 'failover-' },
      { kind: 'expr', source: 'inputs.service', offset: 13 },
      { kind: 'text', text: '!' },
    ]);
  });

  it('gives text without expressions as one text part', () => {
    expect(parseTemplate('plain $HOME ${x}')).toEqual([{ kind: 'text', text: 'plain $HOME ${x}' }]);
  });

  it('does not end an expression at braces inside a map literal or a string', () => {
    expect(templateExpressions('${{ {"a": {"b": 1}} }}-${{ "}}" + \'}}\' }}')).toEqual([
      { source: '{"a": {"b": 1}}', offset: 4 },
      { source: '"}}" + \'}}\'', offset: 27 },
    ]);
  });

  it('reports an unterminated ${{ at its column', () => {
    const err = templateError('echo ${{ inputs.a }} ${{ inputs.b');
    expect(err.column).toBe(21);
    expect(err.message).toContain('unterminated');
  });

  it('reports an empty expression at its column', () => {
    const err = templateError('a ${{   }} b');
    expect(err.column).toBe(2);
    expect(err.reason).toBe('empty');
  });

  it('reports a syntax error at its column in the template text', () => {
    const text = 'Lag is ${{ steps.lag.outputs.seconds + }}s';
    const err = templateError(text);
    expect(err.column).toBe(text.indexOf('}}') - 1);
    expect(err.source).toBe('steps.lag.outputs.seconds +');
  });

  it('reports a refused expression at its column in the template text', () => {
    const text = 'x ${{ xs.all(a, ys.exists(b, a == b)) }}';
    expect(templateError(text).column).toBe(text.indexOf('ys.exists'));
  });

  it('reports a string cut by a newline as CEL sees it rather than as unterminated', () => {
    expect(templateError('${{ "abc\n }}').reason).not.toBe('unterminated');
  });
});

describe('pureExpression', () => {
  it('returns the expression when the trimmed text is exactly one ${{ }}', () => {
    expect(pureExpression('  ${{ steps.a.outputs }}\n')).toBe('steps.a.outputs');
  });

  it('returns undefined for text around or between expressions', () => {
    expect(pureExpression('x${{ a }}')).toBeUndefined();
    expect(pureExpression('${{ a }}${{ b }}')).toBeUndefined();
    expect(pureExpression('plain')).toBeUndefined();
    expect(pureExpression('${{ a')).toBeUndefined();
  });
});
