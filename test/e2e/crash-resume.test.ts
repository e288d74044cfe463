/**
 * `tandem server` killed with SIGKILL at random moments and started again on the same store
 * continues every run: no step lost, no decision lost, no result accepted twice; at most the step
 * in flight runs again, as a new attempt.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { dropSchema, storeKinds, testPgUrl } from '../support/stores.ts';
import { client, freePort, startServerProcess, type ServerProcess } from '../support/server-process.ts';

const RUNBOOK = (ledger: string) => `apiVersion: tandem/v1
kind: Runbook
metadata: { name: crashy }
spec:
  steps:
    - id: prepare
      shell: echo "$TANDEM_IDEMPOTENCY_KEY" >> ${ledger}; sleep 0.2
    - id: fan
      needs: [prepare]
      foreach: [1, 2, 3, 4]
      max_parallel: 2
      retry: { attempts: 2, initial: 0s }
      shell: echo "$TANDEM_IDEMPOTENCY_KEY" >> ${ledger}; sleep 0.3
    - id: nap
      needs: [fan]
      sleep: 1s
    - id: approve
      needs: [nap]
      approval: { quorum: 1 }
    - id: finish
      needs: [approve]
      retry: { attempts: 3, initial: 0s }
      shell: echo "$TANDEM_IDEMPOTENCY_KEY" >> ${ledger}; sleep 0.2; echo "done=yes" >> "$TANDEM_OUTPUTS"
`;

const RUNS = 3;
const KILLS = 6;

for (const kind of storeKinds) {
  it(`a server killed at random moments continues every run (${kind})`, { timeout: 180_000 }, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'tandem-crash-'));
    const ledger = join(dataDir, 'ledger');
    const schema = `t_crash_${randomBytes(4).toString('hex')}`;
    // 3 s: short enough for a quick test, long enough that a loaded machine does not lose leases.
    const env: Record<string, string> = { TANDEM_LEASE_MS: '3000' };
    if (kind === 'postgres') Object.assign(env, { DATABASE_URL: testPgUrl, TANDEM_PG_SCHEMA: schema });
    const port = await freePort();
    let server: ServerProcess = await startServerProcess({ port, dataDir, env });
    const api = client(server.url);
    let passed = false;
    try {
      expect((await api('POST', '/api/v1/runbooks', RUNBOOK(ledger), 'application/yaml')).status).toBe(201);
      const ids: string[] = [];
      for (let i = 0; i < RUNS; i++)
        ids.push((await api('POST', '/api/v1/runs', { runbook: 'crashy' })).body.id as string);
      const decided = new Set<string>();
      for (let k = 0; k < KILLS; k++) {
        // Decide on whatever waits, and sometimes kill right after the decision was answered.
        for (const task of (await api('GET', '/api/v1/inbox')).body.tasks as { id: string }[]) {
          const res = await api('POST', `/api/v1/tasks/${task.id}/decisions`, { decision: 'approve' });
          expect(res.status).toBe(201);
          decided.add(task.id);
          if (k % 2 === 0) break;
        }
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 700));
        await server.kill('SIGKILL');
        server = await startServerProcess({ port, dataDir, env });
      }
      // Let every run finish, deciding what still waits.
      const deadline = Date.now() + 90_000;
      for (;;) {
        const runs = await Promise.all(ids.map(async (id) => (await api('GET', `/api/v1/runs/${id}`)).body));
        if (runs.every((r) => r.status === 'succeeded' || r.status === 'failed' || r.status === 'cancelled'))
          break;
        for (const task of (await api('GET', '/api/v1/inbox')).body.tasks as { id: string }[]) {
          if (
            (await api('POST', `/api/v1/tasks/${task.id}/decisions`, { decision: 'approve' })).status === 201
          )
            decided.add(task.id);
        }
        if (Date.now() > deadline)
          throw new Error(
            `runs did not finish: ${runs.map((r) => `${r.id}=${r.status}`).join(', ')}\n${server.output()}`,
          );
        await new Promise((r) => setTimeout(r, 200));
      }
      const lines = (await readFile(ledger, 'utf8')).trim().split('\n');
      // No attempt ran twice: every idempotency key (run/step/attempt) appears once.
      expect(new Set(lines).size).toBe(lines.length);
      for (const id of ids) {
        const run = (await api('GET', `/api/v1/runs/${id}`)).body;
        expect(
          run.status,
          JSON.stringify(
            run.steps.map((s: { id: string; status: string; error: string }) => [s.id, s.status, s.error]),
          ),
        ).toBe('succeeded');
        expect(run.steps.find((s: { id: string }) => s.id === 'finish').outputs).toEqual({ done: 'yes' });
        const events = (await api('GET', `/api/v1/runs/${id}/events`)).body.events as {
          type: string;
          step: string | null;
        }[];
        const succeeded = events.filter((e) => e.type === 'step.succeeded').map((e) => e.step);
        // Every step's result was accepted exactly once.
        expect([...succeeded].sort()).toEqual(
          ['approve', 'fan', 'fan[0]', 'fan[1]', 'fan[2]', 'fan[3]', 'finish', 'nap', 'prepare'].sort(),
        );
        for (const s of run.steps as {
          id: string;
          attempt: number;
          task: { id: string; decisions: unknown[] } | null;
        }[]) {
          const runs = lines.filter((l) => l.startsWith(`${id}/${s.id}/`)).length;
          if (s.task) {
            // The decision made before a kill is kept, once.
            expect(s.task.decisions).toHaveLength(1);
            continue;
          }
          // Each execution was an attempt of its own (a kill can also fall between claim and start).
          expect(runs).toBeGreaterThanOrEqual(s.id === 'fan' || s.id === 'nap' ? 0 : 1);
          expect(runs).toBeLessThanOrEqual(s.attempt);
        }
      }
      expect(decided.size).toBeGreaterThanOrEqual(RUNS);
      passed = true;
    } finally {
      await server.kill('SIGTERM');
      if (passed) {
        await rm(dataDir, { recursive: true, force: true });
        if (kind === 'postgres') await dropSchema(testPgUrl, schema);
      } else
        process.stderr.write(
          `kept for inspection: ${dataDir}${kind === 'postgres' ? ` and schema ${schema}` : ''}\n`,
        );
    }
  });
}
