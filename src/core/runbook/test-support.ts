/**
 * Helpers for the runbook tests: build YAML line by line, so line numbers can be read off the
 * test, and collect the problems a runbook is rejected with.
 */
import { expect } from 'vitest';
import { isTandemError, type ErrorDetail } from '../errors.ts';
import { parseRunbook } from './parse.ts';

/** Lines 1–5 of every test runbook; `spec:` is line 5, so the first line after it is line 6. */
export const HEADER = ['apiVersion: tandem/v1', 'kind: Runbook', 'metadata:', '  name: test', 'spec:'];

export function yaml(...lines: string[]): string {
  return `${lines.join('\n')}\n`;
}

/** A runbook whose `spec:` holds `specLines` (indented by the caller), starting at line 6. */
export function runbook(...specLines: string[]): string {
  return yaml(...HEADER, ...specLines);
}

/** The details of the `invalid_runbook` error `text` is rejected with. */
export function problemsOf(text: string): ErrorDetail[] {
  try {
    parseRunbook(text);
  } catch (err: unknown) {
    if (isTandemError(err, 'invalid_runbook')) return err.details;
    throw err;
  }
  throw new Error('expected the runbook to be rejected, but it parsed');
}

/** Asserts that `text` is rejected with (at least) this problem. */
export function expectProblem(
  text: string,
  expected: { path: string; line: number; column: number; message: RegExp },
): void {
  const details = problemsOf(text);
  expect(details).toContainEqual({
    path: expected.path,
    line: expected.line,
    column: expected.column,
    message: expect.stringMatching(expected.message) as unknown,
  });
}
