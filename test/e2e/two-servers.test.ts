/**
 * Two `tandem server` processes on one PostgreSQL database share the work: both make progress and
 * no step attempt runs twice (claims use FOR UPDATE SKIP LOCKED, wake-ups LISTEN/NOTIFY).
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { dropSchema, storeKinds, testPgUrl } from '../support/stores.ts';
import { client, freePort, startServerProcess } from '../support/server-process.ts';

const RUNS = 60;
const STEPS = 5;

(storeKinds.includes('postgres') ? it : it.skip)(
  'two servers on one PostgreSQL database both make progress and never run an attempt twice',
  { timeout: 120_000 },
  async () => {
    const dataA = await mkdtemp(join(tmpdir(), 'tandem-two-a-'));
    const dataB = await mkdtemp(join(tmpdir(), 'tandem-two-b-'));
    const ledger = join(dataA, 'ledger');
    const schema = `t_two_${randomBytes(4).toString('hex')}`;
    const env = { DATABASE_URL: testPgUrl, TANDEM_PG_SCHEMA: schema };
    const a = await startServerProcess({ port: await freePort(), dataDir: dataA, env });
    const b = await startServerProcess({ port: await freePort(), dataDir: dataB, env });
    let passed = false;
    try {
      const steps = Array.from(
        { length: STEPS },
        (_, i) => `    - id: s${i}\n      shell: echo "$TANDEM_IDEMPOTENCY_KEY" >> ${ledger}; sleep 0.05\n`,
      ).join('');
      const yaml = `apiVersion: tandem/v1\nkind: Runbook\nmetadata: { name: shared }\nspec:\n  steps:\n${steps}`;
      expect((await client(a.url)('POST', '/api/v1/runbooks', yaml, 'application/yaml')).status).toBe(201);
      const ids: string[] = [];
      for (let i = 0; i < RUNS; i++) {
        const api = client(i % 2 === 0 ? a.url : b.url);
        ids.push((await api('POST', '/api/v1/runs', { runbook: 'shared' })).body.id as string);
      }
      const api = client(b.url);
      const deadline = Date.now() + 90_000;
      for (;;) {
        const page = (await api('GET', `/api/v1/runs?runbook=shared&status=succeeded&limit=500`)).body
          .runs as unknown[];
        if (page.length === RUNS) break;
        if (Date.now() > deadline) throw new Error(`only ${page.length} of ${RUNS} runs succeeded`);
        await new Promise((r) => setTimeout(r, 200));
      }
      const lines = (await readFile(ledger, 'utf8')).trim().split('\n');
      expect(lines).toHaveLength(RUNS * STEPS);
      expect(new Set(lines).size).toBe(RUNS * STEPS);
      const agents = new Set<string>();
      for (const id of ids)
        for (const s of (await api('GET', `/api/v1/runs/${id}`)).body.steps as { agent: string }[])
          agents.add(s.agent);
      expect(agents.size).toBe(2);
      passed = true;
    } finally {
      await Promise.all([a.kill('SIGTERM'), b.kill('SIGTERM')]);
      if (passed) {
        await dropSchema(testPgUrl, schema);
        await rm(dataA, { recursive: true, force: true });
        await rm(dataB, { recursive: true, force: true });
      }
    }
  },
);
