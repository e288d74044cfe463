import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPerson } from '../support/people.ts';
import { client, freePort, startServerProcess, type ServerProcess } from '../support/server-process.ts';

const PASSWORD = 'correct horse battery staple';

let server: ServerProcess;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'tandem-ratelimit-'));
  server = await startServerProcess({
    port: await freePort(),
    dataDir,
    // 3 failed sign-ins a minute per username (9 per address); 5 refused tokens a minute.
    env: { TANDEM_LOGIN_FAILURES_PER_MINUTE: '3', TANDEM_TOKEN_FAILURES_PER_MINUTE: '5' },
  });
  await createPerson(client(server.url), { username: 'paula', password: PASSWORD });
  await createPerson(client(server.url), { username: 'quinn', password: PASSWORD });
});

afterAll(async () => {
  await server.kill();
  await rm(dataDir, { recursive: true, force: true });
});

async function post(path: string, body: unknown) {
  const res = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    body: (await res.json()) as { error?: { code: string } },
  };
}

describe('rate limits', () => {
  it('after too many failed sign-ins for a username, answers 429 with Retry-After, even to the right password', async () => {
    for (let i = 0; i < 3; i++)
      expect(
        (await post('/api/v1/auth/login', { username: 'paula', password: `wrong-${i}-password` })).status,
      ).toBe(401);
    const limited = await post('/api/v1/auth/login', { username: 'paula', password: PASSWORD });
    expect(limited.status).toBe(429);
    expect(limited.body.error?.code).toBe('rate_limited');
    expect(Number(limited.retryAfter)).toBeGreaterThan(0);
    expect(Number(limited.retryAfter)).toBeLessThanOrEqual(60);
    // POST /auth/tokens shares the limit: `tandem login` is no way around it.
    const viaTokens = await post('/api/v1/auth/tokens', { username: 'paula', password: PASSWORD, name: 'x' });
    expect(viaTokens.status).toBe(429);
    // Another username from the same address is still let in.
    expect((await post('/api/v1/auth/login', { username: 'quinn', password: PASSWORD })).status).toBe(200);
  });

  it('limits failed sign-ins per address over all usernames, so unknown names are limited too', async () => {
    // 3 failures so far from this address; the address allows 9 a minute.
    for (let i = 0; i < 6; i++)
      expect((await post('/api/v1/auth/login', { username: `ghost${i}`, password: PASSWORD })).status).toBe(
        401,
      );
    expect((await post('/api/v1/auth/login', { username: 'ghost-next', password: PASSWORD })).status).toBe(
      429,
    );
    expect((await post('/api/v1/auth/login', { username: 'quinn', password: PASSWORD })).status).toBe(429);
  });

  it('after too many refused bearer tokens from an address, answers 429 before looking at the token', async () => {
    const bad = client(server.url, 'tdm_not-a-real-token');
    for (let i = 0; i < 5; i++) expect((await bad('GET', '/api/v1/users')).status).toBe(401);
    const limited = await bad('GET', '/api/v1/users');
    expect(limited.status).toBe(429);
    expect(limited.body.error.message).toMatch(/too many refused tokens/);
    // Public routes stay open.
    expect((await fetch(`${server.url}/api/v1/health`)).status).toBe(200);
  });

  it('answers 404 for the OIDC login of a server without OIDC settings', async () => {
    const res = await fetch(`${server.url}/api/v1/auth/oidc/login`, { redirect: 'manual' });
    expect(res.status).toBe(404);
  });
});
