/**
 * Hiding the values of secret inputs wherever a report would show them: the input itself, and
 * any output, log line, error or comment that repeats it (as is, or JSON-escaped).
 */
export const MASK = '***';

export type Mask = (text: string) => string;

/** A function replacing every occurrence of `values` (longest first) with `***`. */
export function maskerOf(values: readonly unknown[]): Mask {
  const needles = new Set<string>();
  for (const v of values) {
    if (v === null || v === undefined) continue;
    const text = typeof v === 'string' ? v : JSON.stringify(v);
    if (text === '') continue;
    needles.add(text);
    needles.add(JSON.stringify(text).slice(1, -1));
  }
  const sorted = [...needles].filter((n) => n !== '').sort((a, b) => b.length - a.length);
  if (sorted.length === 0) return (text) => text;
  return (text) => {
    let out = text;
    for (const n of sorted) out = out.split(n).join(MASK);
    return out;
  };
}

/** Every string inside `value` masked (objects and arrays walked), other values kept. */
export function maskDeep(value: unknown, mask: Mask): unknown {
  if (typeof value === 'string') return mask(value);
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, mask));
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskDeep(v, mask)]));
  return value;
}
