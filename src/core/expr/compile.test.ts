import { describe, expect, it } from 'vitest';
import { compileExpression, evaluateExpression, ExpressionError } from './index.ts';
import { MAX_EXPRESSION_LENGTH, PARSE_LIMITS } from './limits.ts';

function compileError(src: string): ExpressionError {
  try {
    compileExpression(src);
  } catch (err: unknown) {
    if (err instanceof ExpressionError) return err;
    throw err;
  }
  throw new Error(`expected ${src} not to compile`);
}

describe('compileExpression', () => {
  it('returns the same compiled expression for the same source', () => {
    expect(compileExpression('inputs.a + 1')).toBe(compileExpression('inputs.a + 1'));
  });

  it('lists the variables and the step ids an expression reads', () => {
    const compiled = compileExpression(
      'steps.lag.outputs.n > inputs.max && steps["db-1"].status == "succeeded"',
    );
    expect([...compiled.variables].sort()).toEqual(['inputs', 'steps']);
    expect([...compiled.stepIds].sort()).toEqual(['db-1', 'lag']);
  });

  it('reports a syntax error with the column where it is', () => {
    const err = compileError('inputs.a + + 1');
    expect(err.code).toBe('expression');
    expect(err.column).toBe(11);
    expect(err.message).toContain('syntax error');
    expect(err.source).toBe('inputs.a + + 1');
  });

  it('refuses a type error it can see without a context', () => {
    expect(compileError('1 + "a"').message).toContain('no such overload');
  });

  it('refuses an unknown function at compile time', () => {
    expect(compileError('jsn(result.stdout)').message).toContain('jsn(');
  });

  it('refuses an empty expression', () => {
    expect(compileError('   ').reason).toBe('empty');
  });
});

describe('bounds', () => {
  it('refuses a 5,000-term expression quickly', () => {
    const src = Array.from({ length: 5000 }, (_, i) => `inputs.a${i}`).join(' + ');
    const started = performance.now();
    const err = compileError(src);
    expect(performance.now() - started).toBeLessThan(100);
    expect(err.message).toContain(`at most ${MAX_EXPRESSION_LENGTH}`);
  });

  it('refuses an expression within the text limit that has too many parts', () => {
    const src = Array.from({ length: 1500 }, () => '1').join('+');
    expect(src.length).toBeLessThanOrEqual(MAX_EXPRESSION_LENGTH);
    const started = performance.now();
    const err = compileError(src);
    expect(performance.now() - started).toBeLessThan(100);
    expect(err.message).toContain(`maxAstNodes (${PARSE_LIMITS.maxAstNodes})`);
  });

  it('refuses nesting deeper than the depth limit', () => {
    const src = `${'['.repeat(40)}1${']'.repeat(40)}`;
    expect(compileError(src).message).toContain('maxDepth');
  });

  it('refuses a nested comprehension over a 2,000-element list before running it', () => {
    const xs = Array.from({ length: 2000 }, (_, i) => i);
    const started = performance.now();
    let caught: unknown;
    try {
      evaluateExpression('inputs.xs.all(a, inputs.xs.exists(b, b == a))', { inputs: { xs } });
    } catch (err: unknown) {
      caught = err;
    }
    expect(performance.now() - started).toBeLessThan(100);
    expect(caught).toBeInstanceOf(ExpressionError);
    expect((caught as ExpressionError).reason).toBe('nested_comprehension');
    expect((caught as ExpressionError).message).toContain('exists() inside the body of all()');
    expect((caught as ExpressionError).column).toBe(17);
  });

  it('refuses a comprehension hidden in a map() transform', () => {
    expect(compileError('xs.map(x, ys.filter(y, y > x))').reason).toBe('nested_comprehension');
  });

  it('accepts chained comprehensions, which cost the sum and not the product', () => {
    expect(
      evaluateExpression('inputs.xs.filter(x, x > 1).map(x, x * 2).all(x, x > 2)', {
        inputs: { xs: [1, 2, 3] },
      }),
    ).toBe(true);
  });

  it('refuses a context list longer than the collection cap, naming where it is', () => {
    const xs = Array.from({ length: 20_000 }, (_, i) => i);
    expect(() => evaluateExpression('size(inputs.xs)', { inputs: { xs } })).toThrow(
      /inputs\.xs has 20000 entries/,
    );
  });

  it('refuses a matches() pattern that does not come from a literal', () => {
    expect(compileError('inputs.host.matches(inputs.pattern)').reason).toBe('unsafe_regex');
  });

  it('refuses a matches() pattern with a repeated group that repeats', () => {
    const err = compileError('inputs.s.matches("^(a+)+$")');
    expect(err.message).toContain('exponential');
    expect(err.column).toBe(17);
  });

  it('accepts an ordinary matches() pattern', () => {
    expect(
      evaluateExpression('inputs.host.matches("^db-(?:[0-9]+)\\\\.example\\\\.org$")', {
        inputs: { host: 'db-12.example.org' },
      }),
    ).toBe(true);
  });
});
