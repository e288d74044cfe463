import { describe, expect, it } from 'vitest';
import { runbookHash } from './hash.ts';

describe('runbookHash', () => {
  it('is the sha256 of the exact text, in hex', () => {
    expect(runbookHash('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('changes when only whitespace changes', () => {
    expect(runbookHash('a: 1\n')).not.toBe(runbookHash('a: 1\n\n'));
  });
});
