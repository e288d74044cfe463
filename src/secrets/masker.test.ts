import { describe, expect, it } from 'vitest';
import { Masker, maskVariants } from './masker.ts';
import { createStreamMasker } from './stream-masker.ts';

/** Every way to cut `text` into `parts` pieces (empty pieces included). */
function* splits(text: string, parts: 2 | 3): Generator<string[]> {
  for (let i = 0; i <= text.length; i++) {
    if (parts === 2) yield [text.slice(0, i), text.slice(i)];
    else for (let j = i; j <= text.length; j++) yield [text.slice(0, i), text.slice(i, j), text.slice(j)];
  }
}

function streamed(values: string[], chunks: string[]): string {
  const m = createStreamMasker(values);
  return chunks.map((c) => m.push(c)).join('') + m.flush();
}

describe('masking secret values', () => {
  it('replaces every occurrence of every value with ***', () => {
    const m = new Masker(['hunter2', 's3cr3t']);
    expect(m.mask('pw=hunter2 again hunter2; token s3cr3t.')).toBe('pw=*** again ***; token ***.');
    expect(m.mask('nothing here')).toBe('nothing here');
  });

  it('masks the base64, base64url, URL-encoded and JSON-escaped forms of a value', () => {
    const value = 'p@ss wörd/"?+>';
    const m = new Masker([value]);
    const b64 = Buffer.from(value).toString('base64');
    expect(b64).toMatch(/[+/]/);
    for (const form of [
      b64,
      Buffer.from(value).toString('base64url'),
      encodeURIComponent(value),
      new URLSearchParams({ v: value }).toString().slice(2),
      JSON.stringify(value).slice(1, -1),
    ]) {
      expect(m.mask(`<${form}>`)).toMatch(/^<\*\*\*=*>$/);
    }
    expect(maskVariants('plain')).toEqual(['plain', 'cGxhaW4']);
  });

  it('masks every non-empty value, however short, and ignores empty ones', () => {
    const m = new Masker(['', 'ab']);
    expect(m.mask('abc cab')).toBe('***c c***');
    expect(new Masker(['']).mask('text')).toBe('text');
  });

  it('hides overlapping and touching occurrences as one stretch, leaving no character of a secret', () => {
    expect(new Masker(['abcdef', 'defghi']).mask('x abcdefghi y')).toBe('x *** y');
    expect(new Masker(['abc', 'xyz']).mask('abcxyz')).toBe('***');
    expect(new Masker(['aa']).mask('baaab')).toBe('b***b');
  });

  it('masks the longer of two values where one is a prefix of the other', () => {
    const m = new Masker(['pass', 'password']);
    expect(m.mask('password pass passw')).toBe('*** *** ***w');
  });

  it('masks a secret split at every position across two chunks', () => {
    const secret = 'correct-horse-battery';
    const text = `before ${secret} after`;
    for (const chunks of splits(text, 2)) expect(streamed([secret], chunks)).toBe('before *** after');
  });

  it('masks a secret split at every pair of positions across three chunks', () => {
    const secret = 'hunter2!';
    const text = `a${secret}b${secret}`;
    for (const chunks of splits(text, 3)) expect(streamed([secret], chunks)).toBe('a***b***');
  });

  it('masks overlapping secrets and prefixes of one another across chunks as a whole text would be', () => {
    const cases: [string[], string][] = [
      [['abcdef', 'defghi'], 'xxabcdefghiyy abcdef defghi'],
      [['xyz', 'yzQQ'], 'xyzQQ xyz yzQQ'],
      [['pass', 'password'], 'password pass passw passpassword'],
      [['aa'], 'baaaab aab'],
      [['abab'], 'abababab ab aba'],
    ];
    for (const [values, text] of cases) {
      const whole = new Masker(values).mask(text);
      for (const chunks of splits(text, 3)) expect(streamed(values, chunks)).toBe(whole);
    }
  });

  it('holds back no more than the longest secret minus one character', () => {
    const secret = 'abcdefgh';
    const m = createStreamMasker([secret]);
    expect(m.push('xxxxabcdefg')).toBe('xxxx');
    expect(m.push('Z')).toBe('abcdefgZ');
    expect(m.push('abcdefgh')).toBe('***');
    expect(m.flush()).toBe('');
    const none = createStreamMasker([]);
    expect(none.push('anything')).toBe('anything');
    expect(none.flush()).toBe('');
  });

  it('matches whole-text masking on random streams of random secrets', () => {
    let seed = 42;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const word = (len: number) => Array.from({ length: len }, () => 'ab'[rand(2)]).join('');
    for (let round = 0; round < 300; round++) {
      const values = Array.from({ length: 1 + rand(3) }, () => word(1 + rand(5)));
      const text = word(rand(40));
      const chunks: string[] = [];
      for (let i = 0; i < text.length;) {
        const n = rand(6);
        chunks.push(text.slice(i, i + n));
        i += n;
      }
      expect(streamed(values, chunks), JSON.stringify({ values, chunks })).toBe(
        new Masker(values).mask(text),
      );
    }
  });
});
