/**
 * Notifications through a real `tandem server`: an approval step's task and a failed run reach a
 * local receiver with their decision links, and deliveries queued before a crash are sent by the
 * next server.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { dropSchema, storeKinds, testPgUrl } from '../support/stores.ts';
import { client, freePort, startServerProcess, type ServerProcess } from '../support/server-process.ts';
import { startReceiver } from './receiver.ts';

const PUBLIC = 'https://tandem.example.com';
const GATE = `apiVersion: tandem/v1
kind: Runbook
metadata: { name: gate, title: Promote the standby, labels: { team: dba } }
spec:
  steps:
    - id: approve
      approval: { message: "Replication lag is 2s. Promote?", timeout: 1h }
`;
const BOOM = `apiVersion: tandem/v1
kind: Runbook
metadata: { name: boom, labels: { team: dba } }
spec:
  steps:
    - id: fail
      shell: echo broken >&2; exit 3
`;

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

it(
  'an approval task and a failed run reach Slack with their decision links',
  { timeout: 60_000 },
  async () => {
    const receiver = await startReceiver();
    const dataDir = await mkdtemp(join(tmpdir(), 'tandem-notify-e2e-'));
    const server = await startServerProcess({
      port: await freePort(),
      dataDir,
      env: { TANDEM_PUBLIC_URL: PUBLIC },
    });
    let passed = false;
    try {
      const api = client(server.url);
      const created = await api('POST', '/api/v1/notifications/channels', {
        name: 'ops-slack',
        kind: 'slack',
        events: ['task.created', 'run.failed'],
        labels: { team: 'dba' },
        config: { url: `${receiver.origin}/services/T0/B0/secret` },
      });
      expect(created.status).toBe(201);
      expect((await api('POST', '/api/v1/runbooks', GATE, 'application/yaml')).status).toBe(201);
      expect((await api('POST', '/api/v1/runbooks', BOOM, 'application/yaml')).status).toBe(201);

      const gate = (await api('POST', '/api/v1/runs', { runbook: 'gate' })).body.id as string;
      const [first] = await receiver.waitFor(1);
      const task = await until('the task in the inbox', async () => {
        const tasks = (await api('GET', '/api/v1/inbox')).body.tasks as { id: string; run_id: string }[];
        return tasks.find((t) => t.run_id === gate);
      });
      expect(first!.url).toBe('/services/T0/B0/secret');
      const slack = JSON.parse(first!.body);
      expect(slack.text).toBe(
        `Approval needed: Promote the standby (step approve): <${PUBLIC}/tasks/${task.id}|Decide>`,
      );
      expect(JSON.stringify(slack.blocks)).toContain('Replication lag is 2s. Promote?');
      expect(slack.blocks.at(-1).elements[0].url).toBe(`${PUBLIC}/tasks/${task.id}`);

      const boom = (await api('POST', '/api/v1/runs', { runbook: 'boom' })).body.id as string;
      const [, second] = await receiver.waitFor(2);
      const failed = JSON.parse(second!.body);
      expect(failed.text).toBe(`Run failed: boom: <${PUBLIC}/runs/${boom}|Open the run>`);
      expect(failed.blocks[0].text.text).toBe('Run failed: boom');

      const sent = await until('both deliveries marked sent', async () => {
        const d = (await api('GET', '/api/v1/notifications/deliveries?status=sent')).body
          .deliveries as unknown[];
        return d.length === 2 ? d : undefined;
      });
      expect(sent).toEqual([
        expect.objectContaining({
          channel: 'ops-slack',
          topic: 'run.failed',
          path: `/runs/${boom}`,
          attempts: 1,
        }),
        expect.objectContaining({
          channel: 'ops-slack',
          topic: 'task.created',
          path: `/tasks/${task.id}`,
          attempts: 1,
        }),
      ]);
      expect(receiver.received).toHaveLength(2);
      passed = true;
    } finally {
      await server.kill();
      await receiver.close();
      if (passed) await rm(dataDir, { recursive: true, force: true });
      else process.stderr.write(`kept for inspection: ${dataDir}\n${server.output()}\n`);
    }
  },
);

for (const kind of storeKinds) {
  it(
    `deliveries queued before a crash are sent by the next server (${kind})`,
    { timeout: 90_000 },
    async () => {
      const receiver = await startReceiver();
      receiver.answer = () => ({ status: 503, body: 'maintenance' });
      const dataDir = await mkdtemp(join(tmpdir(), 'tandem-notify-restart-'));
      const schema = `t_notify_${randomBytes(4).toString('hex')}`;
      const env: Record<string, string> = {};
      if (kind === 'postgres') Object.assign(env, { DATABASE_URL: testPgUrl, TANDEM_PG_SCHEMA: schema });
      const port = await freePort();
      let server: ServerProcess = await startServerProcess({ port, dataDir, env });
      let passed = false;
      try {
        const api = client(server.url);
        await api('POST', '/api/v1/notifications/channels', {
          name: 'hook',
          kind: 'webhook',
          events: ['run.failed'],
          config: { url: `${receiver.origin}/hook`, secret: 'whsec' },
        });
        await api('POST', '/api/v1/runbooks', BOOM, 'application/yaml');
        const run = (await api('POST', '/api/v1/runs', { runbook: 'boom' })).body.id as string;
        const [refused] = await receiver.waitFor(1);
        await until('the failed attempt recorded', async () => {
          const d = (await api('GET', '/api/v1/notifications/deliveries?status=pending')).body.deliveries as {
            attempts: number;
          }[];
          return d[0]?.attempts === 1 ? d : undefined;
        });
        await server.kill('SIGKILL');

        receiver.answer = () => ({ status: 204 });
        server = await startServerProcess({ port, dataDir, env });
        // The first retry is due 10 s after the failed attempt.
        const [, delivered] = await receiver.waitFor(2, 30_000);
        expect(delivered!.headers['x-tandem-delivery']).toBe(refused!.headers['x-tandem-delivery']);
        expect(JSON.parse(delivered!.body)).toMatchObject({ topic: 'run.failed', run: { id: run } });
        const sent = await until('the delivery marked sent', async () => {
          const d = (await client(server.url)('GET', '/api/v1/notifications/deliveries?status=sent')).body
            .deliveries as unknown[];
          return d.length === 1 ? d : undefined;
        });
        expect(sent[0]).toMatchObject({ attempts: 2, last_error: null, path: `/runs/${run}` });
        passed = true;
      } finally {
        await server.kill();
        await receiver.close();
        if (passed) {
          await rm(dataDir, { recursive: true, force: true });
          if (kind === 'postgres') await dropSchema(testPgUrl, schema);
        } else
          process.stderr.write(`kept for inspection: ${dataDir} (schema ${schema})\n${server.output()}\n`);
      }
    },
  );
}
