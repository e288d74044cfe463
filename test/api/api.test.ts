import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/server/server.ts';

const TOKEN = 'test-admin-token-0123456789';
let server: RunningServer;
let dataDir: string;

async function api(
  method: string,
  path: string,
  body?: unknown,
  opts: { token?: string | null; type?: string } = {},
) {
  const headers: Record<string, string> = {};
  const token = opts.token === undefined ? TOKEN : opts.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  let payload: string | undefined;
  if (body !== undefined) {
    headers['content-type'] = opts.type ?? 'application/json';
    payload = typeof body === 'string' ? body : JSON.stringify(body);
  }
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers,
    ...(payload === undefined ? {} : { body: payload }),
  });
  const text = await res.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers, read field by field
  const json: any = text ? JSON.parse(text) : {};
  return { status: res.status, body: json };
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'tandem-api-'));
  process.env.TANDEM_ADMIN_TOKEN = TOKEN;
  server = await startServer({
    port: 0,
    host: '127.0.0.1',
    dataDir,
    runbooksDirs: [join(import.meta.dirname, '../../runbooks/examples')],
    logLevel: 'silent',
  });
});

afterAll(async () => {
  await server.close();
  delete process.env.TANDEM_ADMIN_TOKEN;
  await rm(dataDir, { recursive: true, force: true });
});

describe('the HTTP API', () => {
  it('answers health without a token and everything else only with a valid one', async () => {
    expect((await api('GET', '/api/v1/health', undefined, { token: null })).body).toMatchObject({
      status: 'ok',
      store: 'sqlite',
    });
    expect((await api('GET', '/api/v1/runs', undefined, { token: null })).status).toBe(401);
    expect((await api('GET', '/api/v1/runs', undefined, { token: 'wrong-token-xxxxxxxx' })).status).toBe(401);
    expect((await api('GET', '/api/v1/runs')).status).toBe(200);
  });

  it('serves the OpenAPI document and the runbook JSON Schema', async () => {
    const openapi = await api('GET', '/api/openapi.json', undefined, { token: null });
    expect(openapi.body.openapi).toMatch(/^3\./);
    expect(Object.keys(openapi.body.paths as object)).toContain('/api/v1/runs/{id}');
    const schema = await api('GET', '/api/v1/schemas/runbook.json');
    expect(schema.status).toBe(200);
    expect(JSON.stringify(schema.body)).toContain('apiVersion');
  });

  it('loads the example runbooks at start', async () => {
    const list = await api('GET', '/api/v1/runbooks');
    expect((list.body.runbooks as { name: string }[]).map((r) => r.name)).toEqual(
      expect.arrayContaining(['hello', 'change-with-approval', 'http-check']),
    );
  });

  it('rejects a broken runbook with the line and the reason', async () => {
    const yaml =
      'apiVersion: tandem/v1\nkind: Runbook\nmetadata: { name: broken }\nspec:\n  steps:\n    - id: a\n      needs: [nope]\n      shell: echo\n';
    const res = await api('POST', '/api/v1/runbooks', yaml, { type: 'application/yaml' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_runbook');
    expect(res.body.error.details[0]).toMatchObject({ path: 'spec.steps[0].needs[0]', line: 7 });
  });

  it('validates request bodies and answers 400 with the field, never 500', async () => {
    const res = await api('POST', '/api/v1/runs', { runbook: 42 });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].path).toBe('body.runbook');
    expect((await api('POST', '/api/v1/runs', '{not json')).status).toBe(400);
    expect((await api('POST', '/api/v1/runs', { runbook: 'hello', extra: 1 })).status).toBe(400);
    expect((await api('POST', '/api/v1/runs', { runbook: 'nope' })).status).toBe(404);
    expect((await api('GET', '/api/v1/runs/does-not-exist')).status).toBe(404);
    expect((await api('GET', '/api/v1/runs?limit=0')).status).toBe(400);
  });

  it('starts a run, shows its steps with status, attempt and outputs, and lists it', async () => {
    const started = await api('POST', '/api/v1/runs', { runbook: 'hello', inputs: { who: 'Tandem' } });
    expect(started.status).toBe(201);
    const id = started.body.id as string;
    const run = await until('hello to finish', async () => {
      const r = await api('GET', `/api/v1/runs/${id}`);
      return r.body.status === 'succeeded' ? r.body : undefined;
    });
    expect(run.outputs).toEqual({ greeting: 'hello, Tandem' });
    expect(
      run.steps.map((s: { id: string; status: string; attempt: number }) => [s.id, s.status, s.attempt]),
    ).toEqual([
      ['greet', 'succeeded', 1],
      ['show', 'succeeded', 1],
    ]);
    expect(run.steps[0]).toMatchObject({ site: 'local', outputs: { greeting: 'hello, Tandem' } });
    const list = await api('GET', '/api/v1/runs?runbook=hello&status=succeeded&limit=1');
    expect(list.body.runs[0].id).toBe(id);
    const logs = await api('GET', `/api/v1/runs/${id}/logs?step=show`);
    expect(logs.body.logs.map((l: { data: string }) => l.data).join('')).toBe('hello, Tandem\n');
    const events = await api('GET', `/api/v1/runs/${id}/events`);
    expect(events.body.events.map((e: { type: string }) => e.type)).toEqual(
      expect.arrayContaining([
        'run.created',
        'run.started',
        'step.started',
        'step.succeeded',
        'run.finished',
      ]),
    );
  });

  it('pages through runs with a cursor', async () => {
    for (let i = 0; i < 3; i++) await api('POST', '/api/v1/runs', { runbook: 'hello' });
    const page1 = await api('GET', '/api/v1/runs?limit=2');
    const page2 = await api('GET', `/api/v1/runs?limit=2&cursor=${page1.body.next_cursor as string}`);
    const ids = [...page1.body.runs, ...page2.body.runs].map((r: { id: string }) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual([...ids].sort().reverse());
  });

  it('an approval shows its task on the step and in the inbox, and a decision resumes the run', async () => {
    const { body } = await api('POST', '/api/v1/runs', {
      runbook: 'change-with-approval',
      inputs: { hosts: ['h1', 'h2'] },
    });
    const step = await until('the approval', async () => {
      const r = await api('GET', `/api/v1/runs/${body.id as string}`);
      const s = (
        r.body.steps as { id: string; status: string; task: { id: string; message: string } | null }[]
      ).find((x) => x.id === 'approve');
      return s?.status === 'waiting' ? s : undefined;
    });
    expect(step.task!.message).toBe('Apply the change to 2 hosts?');
    const inbox = await api('GET', '/api/v1/inbox');
    expect(inbox.body.tasks.map((t: { id: string }) => t.id)).toContain(step.task!.id);
    const bad = await api('POST', `/api/v1/tasks/${step.task!.id}/decisions`, { decision: 'maybe' });
    expect(bad.status).toBe(400);
    const ok = await api('POST', `/api/v1/tasks/${step.task!.id}/decisions`, {
      decision: 'approve',
      comment: 'go',
    });
    expect(ok.status).toBe(201);
    const again = await api('POST', `/api/v1/tasks/${step.task!.id}/decisions`, { decision: 'approve' });
    expect(again.status).toBe(409);
    await until('the change to finish', async () => {
      const r = await api('GET', `/api/v1/runs/${body.id as string}`);
      return r.body.status === 'succeeded' ? true : undefined;
    });
  });

  it('cancel, retry and pause answer 409 with the reason when they do not apply', async () => {
    const { body } = await api('POST', '/api/v1/runs', { runbook: 'hello' });
    await until('hello to finish', async () =>
      (await api('GET', `/api/v1/runs/${body.id as string}`)).body.status === 'succeeded' ? true : undefined,
    );
    const res = await api('POST', `/api/v1/runs/${body.id as string}/cancel`, {});
    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/finished/);
    expect((await api('POST', `/api/v1/runs/${body.id as string}/retry`)).status).toBe(409);
  });

  it('a failed run is retried from the failed step', async () => {
    const { body } = await api('POST', '/api/v1/runs', {
      runbook: 'change-with-approval',
      inputs: { hosts: ['r1'], fail_apply: true },
    });
    const id = body.id as string;
    const task = await until('the approval', async () => {
      const r = await api('GET', `/api/v1/runs/${id}`);
      return (r.body.steps as { id: string; task: { id: string; status: string } | null }[]).find(
        (s) => s.id === 'approve' && s.task?.status === 'open',
      )?.task;
    });
    await api('POST', `/api/v1/tasks/${task!.id}/decisions`, { decision: 'approve' });
    const failed = await until('the change to fail', async () => {
      const r = await api('GET', `/api/v1/runs/${id}`);
      return r.body.status === 'failed' ? r.body : undefined;
    });
    const byId = Object.fromEntries(
      (failed.steps as { id: string; status: string }[]).map((s) => [s.id, s.status]),
    );
    expect(byId).toMatchObject({
      apply: 'failed',
      snapshot: 'compensated',
      'snapshot~compensate': 'succeeded',
      report: 'succeeded',
    });
    expect((await api('POST', `/api/v1/runs/${id}/retry`)).status).toBe(200);
    const again = await api('GET', `/api/v1/runs/${id}`);
    expect(['running', 'waiting']).toContain(again.body.status);
  });

  it('streams run events live over SSE until the run ends', async () => {
    const { body } = await api('POST', '/api/v1/runs', { runbook: 'http-check' });
    const res = await fetch(`${server.url}/api/v1/runs/${body.id as string}/events?follow=true`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const text = await res.text();
    expect(text).toContain('event: run-event');
    expect(text).toContain('"type":"run.finished"');
    expect(text.trimEnd().endsWith('event: end\ndata: {}')).toBe(true);
  });
});
