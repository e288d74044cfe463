import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRunbook } from '../src/core/runbook/index.ts';

const dir = join(import.meta.dirname, '../runbooks/examples');

describe('the shipped runbooks', () => {
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
    it(`${file} is a valid runbook named after its file`, () => {
      const rb = parseRunbook(readFileSync(join(dir, file), 'utf8'));
      expect(`${rb.metadata.name}.yaml`).toBe(file);
    });
  }
});
