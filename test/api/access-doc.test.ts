import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { ACCESS_DOC, withTable } from '../../scripts/write-access-doc.ts';

it('docs/access.md shows the permission table of the code (npm run docs:access rewrites it)', () => {
  const doc = readFileSync(ACCESS_DOC, 'utf8');
  expect(doc).toBe(withTable(doc));
});
