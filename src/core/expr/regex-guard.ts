/**
 * `matches()` runs JS's backtracking RegExp (cel-js calls `new RegExp(p).test(s)`), not RE2 as
 * CEL's spec intends, so a pattern like `(a+)+$` can take exponential time on a short input.
 * Patterns are therefore checked at compile time: they must be string literals (a pattern from
 * run data could be chosen to be slow), at most 256 characters, without back-references, and
 * without a repeated group that itself contains a repetition (`(a+)+`, `(\w*\s?)*`): the classic
 * shape of catastrophic backtracking. Overlapping alternatives under a repeat (`(a|aa)+`) are
 * not detected; they are rare in hand-written patterns.
 */
import { MAX_REGEX_LENGTH } from './limits.ts';

/** Why `pattern` is refused, or undefined when it may be used. */
export function regexProblem(pattern: string): string | undefined {
  if (pattern.length > MAX_REGEX_LENGTH) return `is longer than ${MAX_REGEX_LENGTH} characters`;
  try {
    new RegExp(pattern);
  } catch {
    return 'is not a valid regular expression';
  }
  return scan(pattern);
}

interface Group {
  /** The group contains a quantifier (directly or in a nested group). */
  repeats: boolean;
}

function scan(p: string): string | undefined {
  const stack: Group[] = [{ repeats: false }];
  const top = (): Group => stack[stack.length - 1]!;
  for (let i = 0; i < p.length; i++) {
    const ch = p[i];
    if (ch === '\\') {
      const next = p[i + 1] ?? '';
      if (/[1-9]/.test(next) || next === 'k') return 'uses a back-reference';
      i++;
    } else if (ch === '[') {
      i = endOfClass(p, i);
    } else if (ch === '(') {
      stack.push({ repeats: false });
      i = endOfGroupPrefix(p, i);
    } else if (ch === ')' && stack.length > 1) {
      const group = stack.pop()!;
      const after = quantifierMax(p, i + 1);
      if (group.repeats && after > MAX_BOUNDED_REPEAT) {
        return 'repeats a group that itself repeats, which can take exponential time; simplify it';
      }
      if (group.repeats || after > 1) top().repeats = true;
    } else if (quantifierMax(p, i) > 1 || ch === '?') {
      top().repeats = true;
    }
  }
  return undefined;
}

/**
 * A group repeated at most 10 times (`(\.\d{1,3}){3}`) costs a bounded power of its inner
 * choices; `*`, `+`, `{n,}` and larger bounds are what make backtracking explode.
 */
const MAX_BOUNDED_REPEAT = 10;

/** The most repetitions of the quantifier at `i` (`*`, `+`, `{n}`, `{n,}`, `{n,m}`); 1 when none. */
function quantifierMax(p: string, i: number): number {
  const ch = p[i];
  if (ch === '*' || ch === '+') return Infinity;
  if (ch !== '{') return 1;
  const m = /^\{(\d+)(,(\d*))?\}/.exec(p.slice(i, i + 24));
  if (m === null) return 1;
  if (m[2] === undefined) return Number(m[1]);
  return m[3] === '' || m[3] === undefined ? Infinity : Number(m[3]);
}
/** Skip `(?:`, `(?=`, `(?!`, `(?<=`, `(?<!` and `(?<name>`: their `?` is not a quantifier. */
function endOfGroupPrefix(p: string, open: number): number {
  if (p[open + 1] !== '?') return open;
  if (p[open + 2] !== '<' || p[open + 3] === '=' || p[open + 3] === '!') return open + 2;
  const close = p.indexOf('>', open);
  return close === -1 ? p.length : close;
}

/** Index of the `]` closing the character class that starts at `start`. */
function endOfClass(p: string, start: number): number {
  for (let i = start + 1; i < p.length; i++) {
    if (p[i] === '\\') i++;
    else if (p[i] === ']') return i;
  }
  return p.length;
}
