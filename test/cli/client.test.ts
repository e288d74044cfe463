import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, clientFrom, DEFAULT_SERVER } from '../../src/cli/client.ts';
import { CliError, ExitCode } from '../../src/cli/errors.ts';

interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: string;
}

let server: Server;
let base: string;
const seen: Seen[] = [];

async function bodyOf(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  return text;
}

beforeAll(async () => {
  server = createServer((req, res) => {
    void bodyOf(req).then((body) => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        authorization: req.headers.authorization,
        contentType: req.headers['content-type'],
        body,
      });
      if (req.url === '/missing') {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ error: { code: 'not_found', message: 'run x does not exist', details: [] } }),
        );
      } else if (req.url === '/stream') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('id: 1\nevent: run-event\nda');
        setTimeout(() => res.end('ta: {"id":1}\n\nevent: end\ndata: {}\n\n'), 10);
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: true }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

async function failure(p: Promise<unknown>): Promise<CliError> {
  try {
    await p;
  } catch (err: unknown) {
    if (err instanceof CliError) return err;
    throw err;
  }
  throw new Error('expected the request to fail');
}

describe('the API client', () => {
  it('sends the token as a bearer token and bodies as JSON', async () => {
    const answer = await new ApiClient(base, 'tok').post('/api/v1/runs', { runbook: 'hello' });
    expect(answer).toEqual({ ok: true });
    expect(seen.at(-1)).toMatchObject({
      method: 'POST',
      url: '/api/v1/runs',
      authorization: 'Bearer tok',
      contentType: 'application/json',
      body: '{"runbook":"hello"}',
    });
  });

  it('sends a runbook as YAML text', async () => {
    await new ApiClient(base, undefined).request('POST', '/api/v1/runbooks', {
      text: { data: 'kind: Runbook\n', contentType: 'application/yaml' },
    });
    expect(seen.at(-1)).toMatchObject({
      contentType: 'application/yaml',
      body: 'kind: Runbook\n',
      authorization: undefined,
    });
  });

  it('turns an error answer into an error with the exit code of its status', async () => {
    const err = await failure(new ApiClient(base, 'tok').get('/missing'));
    expect(err.exitCode).toBe(ExitCode.notFound);
    expect(err.message).toBe('run x does not exist');
  });

  it('reads a server-sent event stream that arrives in pieces', async () => {
    const events = [];
    for await (const e of new ApiClient(base, 'tok').stream('/stream')) events.push(e);
    expect(events).toEqual([
      { event: 'run-event', data: '{"id":1}', id: '1' },
      { event: 'end', data: '{}', id: '1' },
    ]);
  });

  it('reports a server it cannot reach with exit code 6', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const err = await failure(new ApiClient(`http://127.0.0.1:${port}`, undefined).get('/api/v1/health'));
    expect(err.exitCode).toBe(ExitCode.unreachable);
    expect(err.message).toContain(`127.0.0.1:${port}`);
  });

  it('takes the server and token from flags first, then the environment, then the default', () => {
    const env = { TANDEM_SERVER: 'http://env:1', TANDEM_TOKEN: 'env-token' };
    expect(clientFrom({ server: 'http://flag:2' }, env).baseUrl).toBe('http://flag:2');
    expect(clientFrom({}, env).baseUrl).toBe('http://env:1');
    expect(clientFrom({}, {}).baseUrl).toBe(DEFAULT_SERVER);
  });

  it('refuses a server that is not a URL as a usage error', () => {
    expect(() => clientFrom({ server: 'not a url' }, {})).toThrow(CliError);
  });
});
