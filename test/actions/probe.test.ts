import { createServer, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runStep } from './render-step.ts';
import { generateKey, startSshd, type Sshd } from './sshd.ts';

let http: Server;
let base: string;
let sshd: Sshd;
let dir: string;

beforeAll(async () => {
  http = createServer((req, res) => {
    if (req.url === '/health') res.end('status: ok\n');
    else if (req.url === '/down') {
      res.statusCode = 503;
      res.end('status: down\n');
    }
    // /hang never answers.
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  dir = await mkdtemp(join(tmpdir(), 'tandem-probe-test-'));
  sshd = await startSshd(await generateKey(dir, 'user_ed25519'));
});

afterAll(async () => {
  http.closeAllConnections();
  await new Promise((resolve) => http.close(resolve));
  await sshd?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('probe steps', () => {
  it('an http probe that gets the expected status and text succeeds with its latency', async () => {
    const result = await runStep(
      {
        probe: {
          http: { url: `${base}\${{ inputs.path }}`, expect_status: 200, contains: 'ok' },
          timeout: '5s',
        },
      },
      { inputs: { path: '/health' } },
    );
    expect(result.ok).toBe(true);
    expect(result.outputs).toMatchObject({ ok: 'true', status: '200' });
    expect(Number(result.outputs!.latency_ms)).toBeGreaterThanOrEqual(0);
    expect(result.logs).toMatch(new RegExp(`probe GET ${base}/health: ok \\(\\d+ ms\\)`));
  });

  it('an http probe with another status fails, may be retried, and still reports what it saw', async () => {
    const result = await runStep({ probe: { http: { url: `${base}/down` } } });
    expect(result).toMatchObject({ ok: false, retryable: true, outputs: { ok: 'false', status: '503' } });
    expect(result.error).toBe(`probe GET ${base}/down: answered 503, expected 2xx`);
  });

  it('an http probe fails when the body lacks the expected text', async () => {
    const result = await runStep({ probe: { http: { url: `${base}/health`, contains: 'green' } } });
    expect(result).toMatchObject({ ok: false, outputs: { ok: 'false', status: '200' } });
    expect(result.error).toContain('the response does not contain "green"');
  });

  it('a probe that gets no answer fails after its timeout', async () => {
    const result = await runStep({ probe: { http: { url: `${base}/hang` }, timeout: '300ms' } });
    expect(result).toMatchObject({ ok: false, retryable: true, outputs: { ok: 'false' } });
    expect(result.error).toBe(`probe GET ${base}/hang: no answer within 300 ms`);
    expect(Number(result.outputs!.latency_ms)).toBeGreaterThanOrEqual(290);
  });

  it('a tcp probe of a listening port succeeds', async () => {
    const result = await runStep({ probe: { tcp: { host: '127.0.0.1', port: sshd.port } } });
    expect(result.ok).toBe(true);
    expect(result.outputs).toEqual({ ok: 'true', latency_ms: expect.stringMatching(/^\d+$/) });
  });

  it('a tcp probe of a closed port fails', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const result = await runStep(
      { probe: { tcp: { host: '127.0.0.1', port: '${{ inputs.port }}' } } },
      { inputs: { port: String(port) } },
    );
    expect(result).toMatchObject({ ok: false, retryable: true, outputs: { ok: 'false' } });
    expect(result.error).toContain(`probe tcp 127.0.0.1:${port}: connect ECONNREFUSED`);
  });
});
