/**
 * Knowledge-base queries, the same on both stores: words and "quoted phrases" that must all
 * appear, `-word` that must not. Each store turns the parsed query into its own full-text search;
 * where full text cannot help (Chinese, Japanese or Korean text on PostgreSQL, terms shorter than
 * a trigram on SQLite) the store matches substrings and ranks the candidates with `substringScore`
 * here. Snippets come back as plain text with highlight ranges, whichever path found them.
 */

export interface SearchQuery {
  /** Words or phrases that must all appear (case-insensitive). */
  terms: string[];
  /** Words or phrases that must not appear. */
  exclude: string[];
}

/** Most terms a query may have, and the longest one: a query is a few words, not a document. */
export const MAX_TERMS = 16;
export const MAX_TERM_LENGTH = 200;

export function parseSearchQuery(q: string): SearchQuery {
  const terms: string[] = [];
  const exclude: string[] = [];
  for (const m of q.matchAll(/(-?)"([^"]*)"?|(-?)([^\s"]+)/g)) {
    const negative = (m[1] ?? m[3]) === '-';
    const text = (m[2] ?? m[4] ?? '').replace(/\s+/g, ' ').trim().slice(0, MAX_TERM_LENGTH);
    if (text === '' || text === '-') continue;
    const list = negative ? exclude : terms;
    if (terms.length + exclude.length >= MAX_TERMS) break;
    if (!list.some((t) => t.toLowerCase() === text.toLowerCase())) list.push(text);
  }
  return { terms, exclude };
}

/** Han, kana or Hangul: text written without spaces between words. */
const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
export const hasCjk = (text: string): boolean => CJK.test(text);

/** The number of characters (code points) of a term: trigram search needs 3. */
export const charLength = (text: string): number => Array.from(text).length;

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function termsPattern(terms: readonly string[]): RegExp | null {
  const usable = terms.filter((t) => t !== '').sort((a, b) => b.length - a.length);
  return usable.length === 0 ? null : new RegExp(usable.map(escapeRegExp).join('|'), 'giu');
}

function occurrences(text: string, term: string): number {
  const re = new RegExp(escapeRegExp(term), 'giu');
  let n = 0;
  while (re.exec(text) !== null && n < 100) n++;
  return n;
}

/** A document as substring matching sees it. */
export interface MatchableDocument {
  title: string;
  resources: string;
  body: string;
}

/** Does the document contain every term and none of the excluded ones (case-insensitive)? */
export function substringMatches(doc: MatchableDocument, q: SearchQuery): boolean {
  const all = `${doc.title}\n${doc.resources}\n${doc.body}`;
  return q.terms.every((t) => occurrences(all, t) > 0) && q.exclude.every((t) => occurrences(all, t) === 0);
}

/**
 * A rank for substring matches: occurrences of each term, a title hit worth five body hits and
 * a resource hit three (as the full-text ranks weigh them), and a term found at all worth more
 * than repeats of another.
 */
export function substringScore(doc: MatchableDocument, q: SearchQuery): number {
  let score = 0;
  for (const t of q.terms) {
    const hits = 5 * occurrences(doc.title, t) + 3 * occurrences(doc.resources, t) + occurrences(doc.body, t);
    score += hits === 0 ? 0 : 1 + Math.log2(1 + hits);
  }
  return score;
}

/** A snippet: plain text, and the [start, end) ranges of it to highlight. */
export interface Snippet {
  text: string;
  highlights: [number, number][];
}

/** Characters around the first match a snippet shows. */
export const SNIPPET_LENGTH = 160;

/**
 * Text around the matches, whitespace collapsed, every occurrence marked: the window holding the
 * most different terms (the first such), or the start of the text when nothing matches.
 */
export function makeSnippet(text: string, terms: readonly string[], length = SNIPPET_LENGTH): Snippet {
  const flat = text.replace(/\s+/g, ' ').trim();
  const re = termsPattern(terms);
  // Work in code points, so a window never splits a character written as two UTF-16 units.
  const chars = Array.from(flat);
  const found: { at: number; term: string }[] = [];
  if (re)
    for (const m of flat.matchAll(re)) {
      found.push({ at: Array.from(flat.slice(0, m.index)).length, term: m[0].toLowerCase() });
      if (found.length >= 200) break;
    }
  let best = 0;
  let bestTerms = 0;
  for (const f of found) {
    const from = Math.max(0, f.at - Math.floor(length / 3));
    const distinct = new Set(found.filter((g) => g.at >= from && g.at < from + length - 1).map((g) => g.term))
      .size;
    if (distinct > bestTerms) {
      best = from;
      bestTerms = distinct;
    }
  }
  const end = Math.min(chars.length, best + length);
  const start = Math.max(0, Math.min(best, end - length));
  const body = chars.slice(start, end).join('');
  const prefix = start > 0 ? '…' : '';
  const suffix = end < chars.length ? '…' : '';
  const highlights: [number, number][] = [];
  if (re)
    for (const m of body.matchAll(re))
      highlights.push([prefix.length + m.index, prefix.length + m.index + m[0].length]);
  return { text: `${prefix}${body}${suffix}`, highlights };
}

/** Marks the stores put around matches (STX, ETX): characters no document contains. */
export const MARK_START = '\u0002';
export const MARK_END = '\u0003';

/** A snippet from text the store marked (FTS5 `snippet()`, PostgreSQL `ts_headline`). */
export function snippetFromMarked(marked: string): Snippet {
  const flat = marked.replace(/\s+/g, ' ').trim();
  let text = '';
  const highlights: [number, number][] = [];
  let open: number | null = null;
  for (const ch of flat) {
    if (ch === MARK_START) open = text.length;
    else if (ch === MARK_END) {
      if (open !== null && text.length > open) {
        const last = highlights.at(-1);
        // FTS5's trigram snippets mark overlapping trigrams one after another: join them.
        if (last && last[1] === open) last[1] = text.length;
        else highlights.push([open, text.length]);
      }
      open = null;
    } else text += ch;
  }
  return { text, highlights };
}
