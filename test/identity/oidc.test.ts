import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOidcProvider, type OidcProvider } from '../support/oidc-provider.ts';
import { client, freePort, startServerProcess, type ServerProcess } from '../support/server-process.ts';

const CLIENT_ID = 'tandem-test';
const CLIENT_SECRET = 'oidc-test-secret-0123456789';

let provider: OidcProvider;
let server: ServerProcess;
let dataDir: string;
const admin = () => client(server.url);

beforeAll(async () => {
  provider = await startOidcProvider({
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    user: { sub: 'sub-alice', preferred_username: 'Alice', name: 'Alice A.', groups: ['dba-group'] },
  });
  dataDir = await mkdtemp(join(tmpdir(), 'tandem-oidc-'));
  const port = await freePort();
  server = await startServerProcess({
    port,
    dataDir,
    env: {
      TANDEM_OIDC_ISSUER: provider.issuer,
      TANDEM_OIDC_CLIENT_ID: CLIENT_ID,
      TANDEM_OIDC_CLIENT_SECRET: CLIENT_SECRET,
      TANDEM_PUBLIC_URL: `http://127.0.0.1:${port}`,
    },
  });
  for (const [name, group] of [
    ['dba', 'dba-group'],
    ['network', 'net-group'],
  ] as const)
    expect((await admin()('POST', '/api/v1/teams', { name, oidc_group: group })).status).toBe(201);
  expect((await admin()('POST', '/api/v1/teams/dba/grants', { role: 'operator' })).status).toBe(201);
  expect((await admin()('POST', '/api/v1/teams', { name: 'oncall' })).status).toBe(201);
});

afterAll(async () => {
  await server.kill();
  await provider.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** A 302's Location, resolved against the URL that answered it. */
async function redirected(url: string): Promise<{ location: URL; res: Response }> {
  const res = await fetch(url, { redirect: 'manual' });
  const location = res.headers.get('location');
  if (res.status !== 302 || location === null)
    throw new Error(`expected a redirect from ${url}, got ${res.status}: ${await res.text()}`);
  return { location: new URL(location, url), res };
}

/** The whole sign-in, as a browser follows it: Tandem → provider → Tandem's callback. */
async function signIn(returnTo?: string) {
  const start = `${server.url}/api/v1/auth/oidc/login${returnTo === undefined ? '' : `?return_to=${encodeURIComponent(returnTo)}`}`;
  const toProvider = await redirected(start);
  expect(toProvider.location.origin).toBe(provider.issuer);
  expect(toProvider.location.searchParams.get('code_challenge_method')).toBe('S256');
  const toCallback = await redirected(toProvider.location.href);
  expect(toCallback.location.href.startsWith(`${server.url}/api/v1/auth/oidc/callback?`)).toBe(true);
  const callback = await fetch(toCallback.location, { redirect: 'manual' });
  return { callback, callbackUrl: toCallback.location.href };
}

function sessionCookie(res: Response): string {
  const cookie = res.headers.get('set-cookie') ?? '';
  const match = /^tandem_session=([^;]+)/.exec(cookie);
  if (!match) throw new Error(`no session cookie in ${cookie}`);
  return `tandem_session=${match[1]}`;
}

async function me(cookie: string) {
  const res = await fetch(`${server.url}/api/v1/auth/me`, { headers: { cookie } });
  return {
    status: res.status,
    body: (await res.json()) as {
      user: { username: string; source: string; display_name: string };
      teams: string[];
    },
  };
}

describe('OIDC sign-in', () => {
  it('creates the user, joins the teams of their groups, opens a session and goes back to return_to', async () => {
    const { callback } = await signIn('/runs/42?tab=log');
    expect(callback.status).toBe(302);
    expect(callback.headers.get('location')).toBe('/runs/42?tab=log');
    const setCookie = callback.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    const who = await me(sessionCookie(callback));
    expect(who.status).toBe(200);
    expect(who.body.user).toMatchObject({ username: 'alice', source: 'oidc', display_name: 'Alice A.' });
    expect(who.body.teams).toEqual(['dba']);
    expect(provider.requests).toContain('POST /token');
  });

  it('on a later sign-in leaves the mapped teams no longer listed and keeps the others', async () => {
    expect((await admin()('PUT', '/api/v1/teams/oncall/members/alice')).status).toBe(201);
    provider.user = { ...provider.user, groups: ['net-group', 'unmapped'] };
    const { callback } = await signIn();
    expect(callback.headers.get('location')).toBe('/');
    const who = await me(sessionCookie(callback));
    expect(who.body.teams).toEqual(['network', 'oncall']);
    const users = await admin()('GET', '/api/v1/users');
    expect(users.body.users.filter((u: { username: string }) => u.username === 'alice')).toHaveLength(1);
  });

  it('refuses a callback used twice, and a return_to that leaves the site', async () => {
    const { callback, callbackUrl } = await signIn('//evil.example/steal');
    expect(callback.headers.get('location')).toBe('/');
    const again = await fetch(callbackUrl, { redirect: 'manual' });
    expect(again.status).toBe(400);
    expect(((await again.json()) as { error: { message: string } }).error.message).toMatch(
      /expired or was already used/,
    );
  });

  it('never takes over an existing account with the same name', async () => {
    provider.user = { sub: 'sub-mallory', preferred_username: 'admin', groups: ['dba-group'] };
    const { callback } = await signIn();
    expect(callback.status).toBe(403);
    expect(callback.headers.get('set-cookie')).toBeNull();
    const admins = await admin()('GET', '/api/v1/users/admin');
    expect(admins.body).toMatchObject({ source: 'local', teams: ['admins'] });
  });
});
