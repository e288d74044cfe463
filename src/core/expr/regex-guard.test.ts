import { describe, expect, it } from 'vitest';
import { regexProblem } from './regex-guard.ts';

describe('regexProblem', () => {
  it('accepts ordinary patterns, including groups with a prefix', () => {
    for (const p of [
      '^db-[0-9]+$',
      '^(?:a|b)+c$',
      '(?<host>[a-z]+)\\.example',
      '^\\d{1,3}(\\.\\d{1,3}){3}$',
      '[(+*)]+',
    ]) {
      expect(regexProblem(p)).toBeUndefined();
    }
  });

  it('refuses a repeated group that itself repeats, the shape of catastrophic backtracking', () => {
    for (const p of ['^(a+)+$', '(\\w*\\s?)*x', '((ab)*)+', '(x+x+)+y', '(a?){2,}']) {
      expect(regexProblem(p)).toMatch(/exponential/);
    }
  });

  it('refuses back-references, invalid and overlong patterns', () => {
    expect(regexProblem('(a)\\1')).toMatch(/back-reference/);
    expect(regexProblem('(?<x>a)\\k<x>')).toMatch(/back-reference/);
    expect(regexProblem('(')).toMatch(/not a valid/);
    expect(regexProblem('a'.repeat(300))).toMatch(/longer than/);
  });
});
