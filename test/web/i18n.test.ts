import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const dir = join(import.meta.dirname, '../../web/src/i18n');
const load = (file: string) => JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, unknown>;

/** Every leaf of a resource file as `a.b.c` → text. */
function leaves(tree: unknown, prefix = ''): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (typeof tree !== 'object' || tree === null || Array.isArray(tree)) {
    out.set(prefix, tree);
    return out;
  }
  for (const [k, v] of Object.entries(tree))
    for (const [p, x] of leaves(v, prefix ? `${prefix}.${k}` : k)) out.set(p, x);
  return out;
}

const placeholders = (s: string) => [...s.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]).sort();

describe('the console translations', () => {
  const en = leaves(load('en.json'));
  const zh = leaves(load('zh-CN.json'));

  it('English and Simplified Chinese have the same keys', () => {
    expect([...zh.keys()].sort()).toEqual([...en.keys()].sort());
    expect(en.size).toBeGreaterThan(200);
  });

  it('no translation is empty or anything but text', () => {
    for (const [key, text] of [...en, ...zh]) {
      expect(typeof text, key).toBe('string');
      expect((text as string).trim(), key).not.toBe('');
    }
  });

  it('both languages use the same placeholders in each text', () => {
    for (const [key, text] of en)
      expect(placeholders(zh.get(key) as string), key).toEqual(placeholders(text as string));
  });

  it('the Chinese texts are translated, not copied from English', () => {
    // Names and formats that read the same in both languages.
    const same = new Set(['app.name', 'runbooks.yaml']);
    const copied = [...en].filter(([k, v]) => !same.has(k) && zh.get(k) === v).map(([k]) => k);
    expect(copied).toEqual([]);
  });
});
