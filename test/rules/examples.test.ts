/** The example rules, schedules and runbooks of `examples/` stay valid. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRule } from '../../src/core/rules/index.ts';
import { parseRunbook } from '../../src/core/runbook/index.ts';
import { parseSchedule } from '../../src/core/schedules/index.ts';

const root = join(import.meta.dirname, '../../examples');
const files = ['rules', 'schedules'].flatMap((dir) =>
  readdirSync(join(root, dir))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => join(dir, f)),
);

describe('examples', () => {
  it('exist', () => {
    expect(files.length).toBeGreaterThanOrEqual(4);
  });

  it.each(files)('%s is valid', (file) => {
    const text = readFileSync(join(root, file), 'utf8');
    const kind = /^kind: (\w+)$/m.exec(text)?.[1];
    if (kind === 'Rule') expect(parseRule(text).metadata.name).toBeTruthy();
    else if (kind === 'Schedule') expect(parseSchedule(text).metadata.name).toBeTruthy();
    else expect(parseRunbook(text).metadata.name).toBeTruthy();
  });
});
