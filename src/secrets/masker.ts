/**
 * Masking secret values in logs and results: every occurrence of a value becomes `***`.
 *
 * Besides the value itself, the masker looks for the forms a value commonly leaks in: JSON-string
 * escaped (an echoed request body), base64 and base64url (`echo -n "$PW" | base64`, unpadded so
 * that the `=` padding does not matter), and URL-encoded (`%XX` and form `+` spelling). It cannot
 * see a value base64-encoded together with other text (as in a Basic auth header), hashed, or
 * changed in any other way.
 *
 * Every non-empty value is masked, however short: a 3-character secret masks every `abc` in the
 * log, which is noisy but never leaks. Keep secrets long and random.
 *
 * Where occurrences overlap or touch, the whole stretch becomes one `***`, so no character of any
 * secret survives.
 */

export const MASK = '***';

/** The texts that count as a leak of `value`: itself and its common encodings. */
export function maskVariants(value: string): string[] {
  if (value === '') return [];
  const bytes = Buffer.from(value, 'utf8');
  const variants = [
    value,
    JSON.stringify(value).slice(1, -1),
    bytes.toString('base64').replace(/=+$/, ''),
    bytes.toString('base64url'),
    encodeURIComponent(value),
    new URLSearchParams({ v: value }).toString().slice(2),
  ];
  return [...new Set(variants)].filter((v) => v !== '');
}

/** Stretches `[start, end)` of `text` covered by needles, sorted, merged when they overlap or touch. */
export function coveredRuns(
  text: string,
  needles: readonly string[],
  /** Leading characters known to be covered already (by a match that began earlier in a stream). */
  leading = 0,
): [number, number][] {
  const found: [number, number][] = leading > 0 ? [[0, Math.min(leading, text.length)]] : [];
  for (const needle of needles) {
    for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1))
      found.push([i, i + needle.length]);
  }
  found.sort((a, b) => a[0] - b[0]);
  const runs: [number, number][] = [];
  for (const [s, e] of found) {
    const last = runs.at(-1);
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else runs.push([s, e]);
  }
  return runs;
}

/** Masks the secret values given at construction in whole texts. */
export class Masker {
  /** Every text to hide, longest first. */
  readonly needles: readonly string[];
  /** The longest needle's length: a stream masker holds back at most one character less. */
  readonly maxLength: number;

  constructor(values: Iterable<string>) {
    const all = new Set<string>();
    for (const value of values) for (const v of maskVariants(value)) all.add(v);
    this.needles = [...all].sort((a, b) => b.length - a.length);
    this.maxLength = this.needles[0]?.length ?? 0;
  }

  mask(text: string): string {
    if (this.needles.length === 0) return text;
    return render(text, coveredRuns(text, this.needles), text.length, false);
  }
}

/**
 * `text[0, end)` with each covered run as `***`; a run at 0 is left out when `continuing` (the
 * text before it ended in a mask already).
 */
export function render(
  text: string,
  runs: readonly [number, number][],
  end: number,
  continuing: boolean,
): string {
  let out = '';
  let pos = 0;
  for (const [s, e] of runs) {
    if (s >= end) break;
    out += text.slice(pos, s);
    if (!(s === 0 && continuing)) out += MASK;
    pos = Math.min(e, end);
  }
  return out + text.slice(pos, end);
}
