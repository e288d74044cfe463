/**
 * Writes the runbook JSON Schema generated from the zod model to `schemas/runbook.schema.json`.
 * Run after changing `src/core/runbook/model.ts`: `npm run schema:runbook`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runbookJsonSchema } from '../src/core/runbook/index.ts';

const target = join(dirname(fileURLToPath(import.meta.url)), '..', 'schemas', 'runbook.schema.json');
mkdirSync(dirname(target), { recursive: true });
writeFileSync(target, `${JSON.stringify(runbookJsonSchema(), null, 2)}\n`);
console.log(`wrote ${target}`);
