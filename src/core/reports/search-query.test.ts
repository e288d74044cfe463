import { describe, expect, it } from 'vitest';
import {
  hasCjk,
  makeSnippet,
  MARK_END,
  MARK_START,
  MAX_TERMS,
  parseSearchQuery,
  snippetFromMarked,
  substringMatches,
  substringScore,
} from './search-query.ts';

describe('knowledge-base queries', () => {
  it('are words and quoted phrases that must appear, -words that must not', () => {
    expect(parseSearchQuery('failover  "primary database" -drill pg-sh-1')).toEqual({
      terms: ['failover', 'primary database', 'pg-sh-1'],
      exclude: ['drill'],
    });
    expect(parseSearchQuery('-"dry run" 主库 故障')).toEqual({
      terms: ['主库', '故障'],
      exclude: ['dry run'],
    });
  });

  it('take stray quotes, lone dashes and repeats in their stride', () => {
    expect(parseSearchQuery('"unclosed phrase')).toEqual({ terms: ['unclosed phrase'], exclude: [] });
    expect(parseSearchQuery(' - "" DB db ')).toEqual({ terms: ['DB'], exclude: [] });
    expect(parseSearchQuery('')).toEqual({ terms: [], exclude: [] });
  });

  it('keep at most MAX_TERMS terms', () => {
    const q = parseSearchQuery(Array.from({ length: 40 }, (_, i) => `w${i}`).join(' '));
    expect(q.terms).toHaveLength(MAX_TERMS);
  });

  it('tell Chinese, Japanese and Korean text from the rest', () => {
    expect(hasCjk('主库')).toBe(true);
    expect(hasCjk('フェイルオーバー')).toBe(true);
    expect(hasCjk('장애')).toBe(true);
    expect(hasCjk('failover é ü')).toBe(false);
  });
});

describe('substring matching', () => {
  const doc = {
    title: 'Primary down',
    resources: 'database/pg-sh-1',
    body: '主库故障。The primary was promoted; the PRIMARY is back.',
  };

  it('needs every term, case-insensitively, and none of the excluded', () => {
    expect(substringMatches(doc, parseSearchQuery('primary 故障'))).toBe(true);
    expect(substringMatches(doc, parseSearchQuery('primary -promoted'))).toBe(false);
    expect(substringMatches(doc, parseSearchQuery('primary standby'))).toBe(false);
  });

  it('ranks a title hit above body hits', () => {
    const inTitle = { title: 'failover of pg', resources: '', body: 'nothing' };
    const inBody = { title: 'nothing', resources: '', body: 'a failover, then another failover' };
    const q = parseSearchQuery('failover');
    expect(substringScore(inTitle, q)).toBeGreaterThan(substringScore(inBody, q));
    expect(substringScore({ title: '', resources: '', body: '' }, q)).toBe(0);
  });
});

describe('snippets', () => {
  it('show the text around the first match, with every match marked', () => {
    const body = `${'x '.repeat(200)}the PRIMARY was promoted; primary again. ${'y '.repeat(200)}`;
    const s = makeSnippet(body, ['primary'], 80);
    expect(s.text.startsWith('…')).toBe(true);
    expect(s.text.endsWith('…')).toBe(true);
    expect(s.highlights.map(([a, b]) => s.text.slice(a, b))).toEqual(['PRIMARY', 'primary']);
  });

  it('never split a character, and mark Chinese words', () => {
    const s = makeSnippet('𠀋𠀋𠀋 上海机房主库故障，备库提升。', ['故障'], 8);
    expect(s.text.slice(s.highlights[0]![0], s.highlights[0]![1])).toBe('故障');
    expect(s.text).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });

  it('start at the beginning when nothing matches, with whitespace folded', () => {
    expect(makeSnippet('a\n\n  b', ['zzz'])).toEqual({ text: 'a b', highlights: [] });
  });

  it('read the marks the stores put, joining touching ones', () => {
    const marked = `the ${MARK_START}pri${MARK_END}${MARK_START}mary${MARK_END} was\n${MARK_START}promoted${MARK_END}`;
    const s = snippetFromMarked(marked);
    expect(s.text).toBe('the primary was promoted');
    expect(s.highlights.map(([a, b]) => s.text.slice(a, b))).toEqual(['primary', 'promoted']);
  });
});

describe('snippet windows', () => {
  it('prefer the place where more of the terms are found together', () => {
    const body = `Primary down. ${'filler '.repeat(60)}the primary stopped: the WAL disk filled up.`;
    const s = makeSnippet(body, ['primary', 'WAL disk'], 80);
    expect(s.highlights.map(([a, b]) => s.text.slice(a, b))).toEqual(['primary', 'WAL disk']);
  });
});
