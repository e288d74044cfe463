import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeEachStore } from '../../test/support/stores.ts';
import { dumpSchema } from './schema-dump.ts';

describeEachStore('the schema snapshot', (ctx, kind) => {
  it('matches what the migrations create', async () => {
    const file = join(import.meta.dirname, 'schema', `${kind}.sql`);
    const committed = await readFile(file, 'utf8').catch(() => '');
    const actual = await dumpSchema(ctx().store);
    expect(
      actual,
      `src/store/schema/${kind}.sql disagrees with the migrations: run \`npm run schema:snapshot\` and review the diff`,
    ).toBe(committed);
  });
});
