import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCertificates } from '../support/tls.ts';
import { executeAction, type ActionContext } from '../../src/agent/actions/index.ts';
import type { Action } from '../../src/core/engine/index.ts';

const ctx = (): ActionContext => ({
  runId: 'r',
  key: 'k',
  attempt: 1,
  idempotencyKey: 'r/k/1',
  signal: new AbortController().signal,
  onLog: () => undefined,
});

describe('running as another local user', () => {
  it('a shell step with user runs as that user and still writes its outputs', async () => {
    const action: Action = {
      kind: 'shell',
      command: 'echo "who=$(id -un)" >> "$TANDEM_OUTPUTS"; echo "$HOME"',
      env: {},
      killGraceMs: 1000,
      user: 'nobody',
    };
    const res = await executeAction(action, ctx());
    if (process.getuid?.() === 0) {
      expect(res).toMatchObject({ ok: true, outputs: { who: 'nobody' } });
    } else {
      expect(res.error).toMatch(/can run steps as another user only as root/);
    }
  });

  it('an unknown user fails the step without retrying', async () => {
    const action: Action = {
      kind: 'shell',
      command: 'true',
      env: {},
      killGraceMs: 1000,
      user: 'no-such-user-xyz',
    };
    const res = await executeAction(action, ctx());
    expect(res.ok).toBe(false);
    expect(res.retryable).toBe(false);
    expect(res.error).toMatch(/no-such-user-xyz|only as root/);
  });
});

describe('http steps over TLS', () => {
  let dir: string;
  let url: string;
  let ca: string;
  let close: () => void;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tandem-https-'));
    const certs = await makeCertificates(dir);
    ca = await readFile(certs.ca, 'utf8');
    const server = createServer(
      { cert: await readFile(certs.cert), key: await readFile(certs.key) },
      (req, res) => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ path: req.url, key: req.headers['idempotency-key'] }));
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    url = `https://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/check`;
    close = () => server.close();
  });

  afterAll(async () => {
    close();
    await rm(dir, { recursive: true, force: true });
  });

  const http = (extra: Partial<Extract<Action, { kind: 'http' }>>): Action => ({
    kind: 'http',
    method: 'GET',
    url,
    headers: {},
    expectStatus: [200],
    insecureTls: false,
    ...extra,
  });

  it('trusts the CA the step names', async () => {
    const res = await executeAction(http({ ca }), ctx());
    expect(res).toMatchObject({ ok: true, outputs: { status: '200' } });
    expect(JSON.parse(res.outputs!.body!)).toEqual({ path: '/check', key: 'r/k/1' });
  });

  it('refuses a server whose certificate it cannot verify', async () => {
    const res = await executeAction(http({}), ctx());
    expect(res.ok).toBe(false);
    expect(res.error).toMatch(/certificate|self.signed|unable to verify/i);
  });

  it('accepts any certificate only with insecure_tls', async () => {
    expect((await executeAction(http({ insecureTls: true }), ctx())).ok).toBe(true);
  });
});
