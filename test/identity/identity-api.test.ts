import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit, openStore, type Store } from '../../src/store/index.ts';
import { createPerson } from '../support/people.ts';
import {
  client,
  freePort,
  startServerProcess,
  TEST_TOKEN,
  type ServerProcess,
} from '../support/server-process.ts';

const PASSWORD = 'correct horse battery staple';

let server: ServerProcess;
let dataDir: string;
/** The server's own SQLite store, opened beside it to read the audit trail and age a token. */
let store: Store;
const admin = () => client(server.url);
const as = (token: string) => client(server.url, token);

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'tandem-identity-'));
  server = await startServerProcess({ port: await freePort(), dataDir });
  store = await openStore({ dataDir, log: () => undefined });
});

afterAll(async () => {
  await store.close();
  await server.kill();
  await rm(dataDir, { recursive: true, force: true });
});

/** Sign in with a password; answers the session cookie and the CSRF token. */
async function login(username: string, password: string) {
  const res = await fetch(`${server.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const body = (await res.json()) as { csrf_token: string; error?: { code: string; message: string } };
  const setCookie = res.headers.get('set-cookie') ?? '';
  return { status: res.status, body, setCookie, cookie: setCookie.split(';')[0]! };
}

/** A request made the browser's way: with the session cookie, and a CSRF token when given. */
async function withCookie(method: string, path: string, cookie: string, csrf?: string, body?: unknown) {
  const headers: Record<string, string> = { cookie };
  if (csrf !== undefined) headers['x-csrf-token'] = csrf;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers, read field by field
  const json: any = text ? JSON.parse(text) : {};
  return { status: res.status, body: json, headers: res.headers };
}

describe('users and teams', () => {
  it('an admin creates users, teams, memberships and grants, and reads them back', async () => {
    const user = await admin()('POST', '/api/v1/users', {
      username: 'carol',
      password: PASSWORD,
      display_name: 'Carol',
      email: 'carol@example.com',
    });
    expect(user.status).toBe(201);
    expect(user.body).toMatchObject({ username: 'carol', source: 'local', disabled: false, teams: [] });
    expect(JSON.stringify(user.body)).not.toContain(PASSWORD);

    expect((await admin()('POST', '/api/v1/teams', { name: 'dba', description: 'Databases' })).status).toBe(
      201,
    );
    expect((await admin()('PUT', '/api/v1/teams/dba/members/carol')).status).toBe(201);
    expect((await admin()('PUT', '/api/v1/teams/dba/members/carol')).status).toBe(200);
    const grant = await admin()('POST', '/api/v1/teams/dba/grants', {
      role: 'operator',
      sites: ['idc-*'],
      labels: { area: 'database' },
    });
    expect(grant.status).toBe(201);
    expect(grant.body).toMatchObject({
      team: 'dba',
      role: 'operator',
      sites: ['idc-*'],
      labels: { area: 'database' },
    });

    const team = await admin()('GET', '/api/v1/teams/dba');
    expect(team.body).toMatchObject({ name: 'dba', description: 'Databases', members: ['carol'] });
    expect(team.body.grants).toHaveLength(1);
    expect((await admin()('GET', '/api/v1/users/carol')).body.teams).toEqual(['dba']);
    const list = await admin()('GET', '/api/v1/users');
    expect(list.body.users.map((u: { username: string }) => u.username)).toEqual(
      expect.arrayContaining(['admin', 'carol']),
    );

    const revoked = await admin()('DELETE', `/api/v1/teams/dba/grants/${grant.body.id}`);
    expect(revoked.status).toBe(200);
    expect((await admin()('GET', '/api/v1/teams/dba')).body.grants).toEqual([]);
    expect((await admin()('DELETE', '/api/v1/teams/dba/members/carol')).status).toBe(200);
    expect((await admin()('DELETE', '/api/v1/teams/dba/members/carol')).status).toBe(404);
  });

  it('refuses duplicates, unknown names, bad names and weak passwords with the reason', async () => {
    expect((await admin()('POST', '/api/v1/users', { username: 'carol' })).status).toBe(409);
    expect((await admin()('GET', '/api/v1/users/nobody')).status).toBe(404);
    expect((await admin()('PUT', '/api/v1/teams/nope/members/carol')).status).toBe(404);
    const bad = await admin()('POST', '/api/v1/users', { username: 'Bad Name' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('body.username');
    const weak = await admin()('POST', '/api/v1/users', { username: 'dave', password: 'short' });
    expect(weak.status).toBe(400);
    expect(weak.body.error.message).toMatch(/body\.password: the password must have at least 10 characters/);
    const named = await admin()('POST', '/api/v1/users', {
      username: 'dave',
      password: 'dave-is-my-password',
    });
    expect(named.body.error.message).toMatch(/must not contain the username/);
    const role = await admin()('POST', '/api/v1/teams/admins/grants', { role: 'root' });
    expect(role.status).toBe(400);
  });

  it('needs users:write and teams:write for changes; viewers may read', async () => {
    const viewer = await createPerson(admin(), {
      username: 'vic',
      teams: [{ name: 'watchers', roles: ['viewer'] }],
    });
    const operator = await createPerson(admin(), {
      username: 'otto',
      teams: [{ name: 'ops', roles: ['operator'] }],
    });
    expect((await as(viewer.token)('GET', '/api/v1/users')).status).toBe(200);
    expect((await as(viewer.token)('GET', '/api/v1/teams/ops')).status).toBe(200);
    const refused = await as(operator.token)('POST', '/api/v1/users', { username: 'eve' });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toMatch(/needs users:write/);
    expect((await as(operator.token)('POST', '/api/v1/teams/ops/grants', { role: 'admin' })).status).toBe(
      403,
    );
    expect((await as(operator.token)('PUT', '/api/v1/teams/admins/members/otto')).status).toBe(403);
  });

  it('never leaves the server without an enabled administrator', async () => {
    const removed = await admin()('DELETE', '/api/v1/teams/admins/members/admin');
    expect(removed.status).toBe(409);
    expect(removed.body.error.message).toMatch(/no enabled administrator/);
    expect((await admin()('PATCH', '/api/v1/users/admin', { disabled: true })).status).toBe(409);
    expect((await admin()('GET', '/api/v1/teams/admins')).body.members).toEqual(['admin']);
  });
});

describe('API tokens', () => {
  it('a token is shown once, stored hashed, and may not be scoped above its owner', async () => {
    const op = await createPerson(admin(), {
      username: 'olga',
      teams: [{ name: 'ops', roles: ['operator'] }],
    });
    const wide = await as(op.token)('POST', '/api/v1/tokens', { name: 'too much', scope: 'admin' });
    expect(wide.status).toBe(403);
    expect(wide.body.error.message).toMatch(/owner holds no role that covers admin/);
    expect((await as(op.token)('POST', '/api/v1/tokens', { name: 'decide', scope: 'approver' })).status).toBe(
      403,
    );

    const narrow = await as(op.token)('POST', '/api/v1/tokens', {
      name: 'read only',
      scope: 'viewer',
      expires_in: '30d',
    });
    expect(narrow.status).toBe(201);
    expect(narrow.body.token).toMatch(/^tdm_[A-Za-z0-9_-]{43}$/);
    expect(narrow.body.scope).toBe('viewer');
    const days = (Date.parse(narrow.body.expires_at) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThan(30.1);
    // The viewer token reads but cannot start runs, though its owner could.
    expect((await as(narrow.body.token)('GET', '/api/v1/runs')).status).toBe(200);
    expect((await as(narrow.body.token)('GET', '/api/v1/auth/me')).body.scope).toBe('viewer');
    expect((await as(op.token)('GET', '/api/v1/auth/me')).body.scope).toBeNull();
    expect((await as(narrow.body.token)('POST', '/api/v1/runs', { runbook: 'none' })).status).toBe(403);
    // A token made with a scoped token gets no more than that scope.
    const derived = await as(narrow.body.token)('POST', '/api/v1/tokens', { name: 'derived' });
    expect(derived.body.scope).toBe('viewer');
    expect(
      (await as(narrow.body.token)('POST', '/api/v1/tokens', { name: 'x', scope: 'operator' })).status,
    ).toBe(403);

    const rows = await store.db.selectFrom('api_tokens').select(['token_hash', 'name']).execute();
    expect(rows.find((r) => r.name === 'read only')?.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(rows)).not.toContain(narrow.body.token);
    const mine = await as(op.token)('GET', '/api/v1/tokens');
    expect(mine.body.tokens.map((t: { name: string }) => t.name)).toEqual(['test', 'read only', 'derived']);
    expect(JSON.stringify(mine.body)).not.toContain('tdm_');

    expect((await as(op.token)('POST', '/api/v1/tokens', { name: 'long', expires_in: '366d' })).status).toBe(
      400,
    );
    expect(
      (await as(op.token)('POST', '/api/v1/tokens', { name: 'never', expires_in: 'forever' })).status,
    ).toBe(400);
  });

  it("only tokens:admin may make, list or revoke someone else's tokens", async () => {
    const a = await createPerson(admin(), {
      username: 'anna',
      teams: [{ name: 'ops', roles: ['operator'] }],
    });
    const b = await createPerson(admin(), {
      username: 'bert',
      teams: [{ name: 'ops', roles: ['operator'] }],
    });
    expect((await as(a.token)('POST', '/api/v1/tokens', { name: 'x', user: 'bert' })).status).toBe(403);
    expect((await as(a.token)('GET', '/api/v1/tokens?user=bert')).status).toBe(403);
    expect((await as(a.token)('GET', '/api/v1/tokens?all=true')).status).toBe(403);
    const berts = await admin()('GET', '/api/v1/tokens?user=bert');
    expect(berts.status).toBe(200);
    const id = berts.body.tokens[0].id as string;
    expect((await as(a.token)('DELETE', `/api/v1/tokens/${id}`)).status).toBe(404);
    expect((await as(b.token)('GET', '/api/v1/auth/me')).status).toBe(200);
    const made = await admin()('POST', '/api/v1/tokens', {
      name: 'for bert',
      user: 'bert',
      scope: 'operator',
    });
    expect(made.status).toBe(201);
    expect(made.body.user).toBe('bert');
  });

  it('a revoked token and an expired token stop working', async () => {
    const p = await createPerson(admin(), {
      username: 'rita',
      teams: [{ name: 'ops', roles: ['operator'] }],
    });
    const second = await as(p.token)('POST', '/api/v1/tokens', { name: 'second' });
    expect((await as(second.body.token)('GET', '/api/v1/auth/me')).body.user.username).toBe('rita');
    const revoked = await as(p.token)('DELETE', `/api/v1/tokens/${second.body.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body.state).toBe('revoked');
    const after = await as(second.body.token)('GET', '/api/v1/auth/me');
    expect(after.status).toBe(401);

    const short = await as(p.token)('POST', '/api/v1/tokens', { name: 'short', expires_in: '1m' });
    // Age it in the store (the server is another process): a minute is too long to wait.
    await store.db
      .updateTable('api_tokens')
      .set({ expires_at: Date.now() - 1 })
      .where('id', '=', short.body.id)
      .execute();
    expect((await as(short.body.token)('GET', '/api/v1/auth/me')).status).toBe(401);
    const list = await as(p.token)('GET', '/api/v1/tokens');
    expect(list.body.tokens.find((t: { name: string }) => t.name === 'short').state).toBe('expired');
  });

  it('a disabled user can do nothing until enabled again', async () => {
    const p = await createPerson(admin(), {
      username: 'dora',
      password: PASSWORD,
      teams: [{ name: 'ops', roles: ['operator'] }],
    });
    expect((await admin()('PATCH', '/api/v1/users/dora', { disabled: true })).body.disabled).toBe(true);
    expect((await as(p.token)('GET', '/api/v1/auth/me')).status).toBe(401);
    const refused = await login('dora', PASSWORD);
    expect(refused.status).toBe(403);
    expect(refused.body.error?.message).toMatch(/disabled/);
    await admin()('PATCH', '/api/v1/users/dora', { disabled: false });
    expect((await as(p.token)('GET', '/api/v1/auth/me')).status).toBe(200);
  });
});

describe('web sessions', () => {
  it('login sets a strict HttpOnly cookie; changes need the CSRF token; logout ends the session', async () => {
    await createPerson(admin(), {
      username: 'sam',
      password: PASSWORD,
      teams: [{ name: 'leads', roles: ['admin'] }],
    });
    const s = await login('sam', PASSWORD);
    expect(s.status).toBe(200);
    expect(s.setCookie).toMatch(/^tandem_session=[A-Za-z0-9_-]{43}; /);
    expect(s.setCookie).toMatch(/HttpOnly/);
    expect(s.setCookie).toMatch(/SameSite=Strict/);
    expect(s.setCookie).toMatch(/Path=\//);
    expect(s.setCookie).not.toMatch(/Secure/);
    expect(s.body.csrf_token).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const me = await withCookie('GET', '/api/v1/auth/me', s.cookie);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      user: { username: 'sam' },
      teams: ['leads'],
      scope: null,
      csrf_token: s.body.csrf_token,
    });
    expect(me.body.permissions).toContain('users:write');

    const noCsrf = await withCookie('POST', '/api/v1/teams', s.cookie, undefined, { name: 'no-csrf' });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body.error.message).toMatch(/x-csrf-token/);
    const wrong = await withCookie('POST', '/api/v1/teams', s.cookie, 'x'.repeat(43), { name: 'no-csrf' });
    expect(wrong.status).toBe(403);
    const ok = await withCookie('POST', '/api/v1/teams', s.cookie, s.body.csrf_token, { name: 'with-csrf' });
    expect(ok.status).toBe(201);

    const out = await withCookie('POST', '/api/v1/auth/logout', s.cookie, s.body.csrf_token);
    expect(out.status).toBe(200);
    expect(out.headers.get('set-cookie')).toMatch(/^tandem_session=; .*Max-Age=0/);
    expect((await withCookie('GET', '/api/v1/auth/me', s.cookie)).status).toBe(401);
    const rows = await store.db.selectFrom('sessions').select('id_hash').execute();
    expect(JSON.stringify(rows)).not.toContain(s.cookie.split('=')[1]);
  });

  it('answers an unknown user exactly as a wrong password, and a user without a password too', async () => {
    await createPerson(admin(), { username: 'nina', password: PASSWORD });
    await createPerson(admin(), { username: 'tokenonly' });
    const unknown = await login('no-such-user', PASSWORD);
    const wrong = await login('nina', `${PASSWORD}!`);
    const none = await login('tokenonly', PASSWORD);
    for (const r of [unknown, wrong, none]) {
      expect(r.status).toBe(401);
      expect(r.setCookie).toBe('');
    }
    expect(unknown.body).toEqual(wrong.body);
    expect(none.body).toEqual(wrong.body);
    expect(wrong.body.error?.message).toBe('wrong username or password');
  });

  it('POST /auth/tokens makes an API token from a username and password', async () => {
    await createPerson(admin(), {
      username: 'lena',
      password: PASSWORD,
      teams: [{ name: 'ops', roles: ['operator'] }],
    });
    const res = await fetch(`${server.url}/api/v1/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'lena', password: PASSWORD, name: 'laptop', expires_in: '12h' }),
    });
    expect(res.status).toBe(201);
    const made = (await res.json()) as { token: string; user: string; scope: string | null };
    expect(made).toMatchObject({ user: 'lena', scope: null });
    expect((await as(made.token)('GET', '/api/v1/auth/me')).body.user.username).toBe('lena');
  });
});

describe('the audit trail', () => {
  it('records every identity change and sign-in, never a password or a token', async () => {
    const entries = await listAudit(store.db, { limit: 10_000 });
    const actions = new Set(entries.map((e) => e.action));
    for (const action of [
      'user.created',
      'user.disabled',
      'user.enabled',
      'team.created',
      'team.member_added',
      'team.member_removed',
      'role.granted',
      'role.revoked',
      'token.created',
      'token.revoked',
      'session.login',
      'session.logout',
    ])
      expect(actions, action).toContain(action);
    const logins = entries
      .filter((e) => e.action === 'session.login')
      .map((e) => JSON.parse(e.data) as { result: string });
    expect(logins.some((d) => d.result === 'failure')).toBe(true);
    expect(logins.some((d) => d.result === 'success')).toBe(true);
    const text = JSON.stringify(entries);
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain('tdm_');
    expect(text).not.toContain(TEST_TOKEN);
    expect(entries.find((e) => e.action === 'role.granted')?.actor).toBe('admin');
  });
});
