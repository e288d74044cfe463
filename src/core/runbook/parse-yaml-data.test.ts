import { describe, expect, it } from 'vitest';
import { isTandemError } from '../errors.ts';
import { parseEstate } from '../estate/index.ts';
import { parseRunbook } from './index.ts';

/** YAML that parses but cannot be turned into data must be a 400-style problem, never a crash. */
describe('YAML that is not data', () => {
  const laughs = [
    'a: &a ["x","x","x","x","x","x","x","x","x","x"]',
    ...Array.from({ length: 8 }, (_, i) => {
      const prev = String.fromCharCode(97 + i);
      const name = String.fromCharCode(98 + i);
      return `${name}: &${name} [*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev}]`;
    }),
  ].join('\n');

  for (const [what, text] of [
    ['an alias to an anchor never set', '*e~@+'],
    ['a billion laughs', laughs],
  ] as const)
    it(`refuses ${what} with a problem naming it`, () => {
      for (const parse of [parseRunbook, parseEstate]) {
        let caught: unknown;
        try {
          parse(text);
        } catch (err) {
          caught = err;
        }
        expect(isTandemError(caught)).toBe(true);
        expect((caught as { details: { message: string }[] }).details[0]!.message).toMatch(
          /YAML error|alias/i,
        );
      }
    });
});
