import { describe, expect, it } from 'vitest';
import { formatPath, YamlSource } from './yaml-source.ts';

const text = [
  'steps:', // 1
  '  - id: a', // 2
  '    shell: echo ${{ x }}', // 3
  '    log: "say \\"hi\\" ${{ q }}"', // 4
  "    env: { A: 'it''s ${{ z }}' }", // 5
  '    script:', // 6
  '      body: |', // 7
  '        first', // 8
  '        second ${{ w }}', // 9
  '    wait_until: >-', // 10
  '      folded', // 11
  '      text ${{ v }}', // 12
  '    needs:', // 13
].join('\n');
const source = new YamlSource(text);

describe('positions in the YAML source', () => {
  it('formats paths with indexes and quotes keys that are not identifiers', () => {
    expect(formatPath(['spec', 'steps', 2, 'needs', 0])).toBe('spec.steps[2].needs[0]');
    expect(formatPath(['env', 'A.B'])).toBe('env["A.B"]');
  });

  it('points at the value of a path', () => {
    expect(source.position(['steps', 0, 'shell'])).toEqual({ line: 3, column: 12 });
  });

  it('points at the key when asked', () => {
    expect(source.position(['steps', 0, 'shell'], { at: 'key' })).toEqual({ line: 3, column: 5 });
  });

  it('points at the parent mapping for a missing key', () => {
    expect(source.position(['steps', 0, 'name'])).toEqual({ line: 2, column: 5 });
  });

  it('points at the key of an empty value', () => {
    expect(source.position(['steps', 0, 'needs'])).toEqual({ line: 13, column: 5 });
  });

  it.each([
    ['a plain scalar', ['steps', 0, 'shell'], 'echo ${{ x }}', 'x', { line: 3, column: 21 }],
    [
      'a double-quoted scalar with escapes',
      ['steps', 0, 'log'],
      'say "hi" ${{ q }}',
      'q',
      { line: 4, column: 26 },
    ],
    [
      'a single-quoted scalar with a doubled quote',
      ['steps', 0, 'env', 'A'],
      "it's ${{ z }}",
      'z',
      { line: 5, column: 26 },
    ],
    [
      'a block literal',
      ['steps', 0, 'script', 'body'],
      'first\nsecond ${{ w }}\n',
      'w',
      { line: 9, column: 20 },
    ],
    ['a folded block', ['steps', 0, 'wait_until'], 'folded text ${{ v }}', 'v', { line: 12, column: 16 }],
  ])('maps an offset inside %s to the file', (_kind, path, value, char, expected) => {
    expect(source.doc.getIn(path)).toBe(value);
    expect(source.position(path, { offset: value.indexOf(char) })).toEqual(expected);
  });

  it('finds the path written at an offset', () => {
    expect(source.pathAt(text.indexOf('echo'))).toEqual(['steps', 0, 'shell']);
    expect(source.pathAt(text.indexOf('wait_until'))).toEqual(['steps', 0, 'wait_until']);
  });
});
