/**
 * Reading answers of an API that lands after the console (incidents): lists may come as
 * `{ <name>: [...] }` or as a bare array, and items are read field by field with fallbacks.
 */

export type Item = Record<string, unknown>;

export function listOf<T = Item>(answer: unknown, key: string): T[] {
  if (Array.isArray(answer)) return answer as T[];
  if (typeof answer === 'object' && answer !== null) {
    const v = (answer as Record<string, unknown>)[key] ?? (answer as Record<string, unknown>).items;
    if (Array.isArray(v)) return v as T[];
  }
  return [];
}

/** The first of the fields that holds text (or a number), as text. */
export function text(item: Item, ...fields: string[]): string {
  for (const f of fields) {
    const v = item[f];
    if (typeof v === 'string' && v !== '') return v;
    if (typeof v === 'number') return String(v);
  }
  return '';
}
