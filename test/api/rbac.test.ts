/**
 * The RBAC table, walked: every API route is called with a token of every role, and the door
 * either lets it through or refuses it exactly as ROLE_PERMISSIONS (src/core/access/roles.ts)
 * says. Routes are taken from the running server, so a route added later is covered unasked.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ROLE_PERMISSIONS, roles, type Permission, type Role } from '../../src/core/access/index.ts';
import { startServer, type RunningServer } from '../../src/server/server.ts';
import { uuidv7 } from '../../src/store/index.ts';

let dir: string;
let server: RunningServer;
const tokens = new Map<Role, string>();

/** A user holding exactly `role` (unrestricted) through a team of its own, and a token. */
async function personWithRole(role: Role): Promise<string> {
  const now = Date.now();
  const db = server.store.db;
  const userId = uuidv7();
  const teamId = uuidv7();
  const token = `tdm_rbac_${role}_${uuidv7()}`;
  await db
    .insertInto('users')
    .values({
      id: userId,
      username: `rbac-${role}`,
      display_name: null,
      email: null,
      password_hash: null,
      source: 'local',
      oidc_subject: null,
      created_at: now,
      updated_at: now,
      last_login_at: null,
    })
    .execute();
  await db
    .insertInto('teams')
    .values({ id: teamId, name: `rbac-${role}s`, description: null, oidc_group: null, created_at: now })
    .execute();
  await db.insertInto('team_members').values({ team_id: teamId, user_id: userId, added_at: now }).execute();
  await db
    .insertInto('role_grants')
    .values({
      id: uuidv7(),
      team_id: teamId,
      role,
      sites: '[]',
      labels: '{}',
      created_by: null,
      created_at: now,
    })
    .execute();
  await db
    .insertInto('api_tokens')
    .values({
      id: uuidv7(),
      name: 'rbac',
      token_hash: createHash('sha256').update(token).digest('hex'),
      subject: `rbac-${role}`,
      role,
      user_id: userId,
      created_at: now,
      expires_at: null,
      revoked_at: null,
      last_used_at: null,
    })
    .execute();
  return token;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tandem-rbac-'));
  server = await startServer({
    port: 0,
    host: '127.0.0.1',
    dataDir: dir,
    logLevel: 'silent',
    localCapacity: 1,
  });
  for (const role of roles) tokens.set(role, await personWithRole(role));
});

afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

/** A concrete URL for a route pattern: every `:param` becomes an id that exists nowhere. */
const concrete = (url: string) => url.replace(/:[A-Za-z_]+/g, 'rbac-missing').replace(/\*$/, 'x');

async function call(method: string, url: string, token: string) {
  const res = await fetch(`${server.url}${concrete(url)}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(method === 'GET' || method === 'DELETE' ? {} : { body: '{}' }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  return { status: res.status, text };
}

it('declares access for every API route, and permissions that exist', () => {
  expect(server.routes.length).toBeGreaterThan(30);
  const urls = server.routes.map((r) => `${r.method} ${r.url}`);
  expect(urls).toContain('POST /api/v1/runs');
  expect(urls).toContain('GET /api/v1/audit/verify');
  for (const r of server.routes)
    if (!['public', 'agent', 'authenticated'].includes(r.access))
      expect(ROLE_PERMISSIONS.admin.has(r.access as Permission), `${r.method} ${r.url}`).toBe(true);
});

it('lets each role through exactly the routes its permissions allow', async () => {
  const mismatches: string[] = [];
  let checked = 0;
  for (const route of server.routes) {
    const { method, url, access } = route;
    // Streams and long polls would hold the request open; their door is the same hook.
    if (url.endsWith('/events') || url.endsWith('/logs') || url.endsWith('/export')) continue;
    for (const role of roles) {
      const res = await call(method, url, tokens.get(role)!);
      checked++;
      const refusedAtDoor = res.status === 403 && res.text.includes('(needs ');
      if (access === 'agent') {
        // Agent routes take agent credentials only: a user's token is not one.
        if (res.status !== 401) mismatches.push(`${role} ${method} ${url}: ${res.status} (agent route)`);
        continue;
      }
      if (access === 'public' || access === 'authenticated') {
        if (refusedAtDoor || res.status === 401) mismatches.push(`${role} ${method} ${url}: ${res.status}`);
        continue;
      }
      const allowed = ROLE_PERMISSIONS[role].has(access);
      if (allowed === refusedAtDoor || res.status === 401 || res.status >= 500)
        mismatches.push(`${role} ${method} ${url} (${access}): ${res.status} ${res.text.slice(0, 120)}`);
    }
  }
  expect(mismatches).toEqual([]);
  expect(checked).toBeGreaterThan(100);
});

it('caps a token at its scope even when its owner holds more', async () => {
  const admin = tokens.get('admin')!;
  const res = await call('GET', '/api/v1/audit', admin);
  expect(res.status).toBe(200);
  // The same admin with a viewer-scoped token.
  const now = Date.now();
  const user = await server.store.db
    .selectFrom('users')
    .select('id')
    .where('username', '=', 'rbac-admin')
    .executeTakeFirstOrThrow();
  const scoped = `tdm_rbac_scoped_${uuidv7()}`;
  await server.store.db
    .insertInto('api_tokens')
    .values({
      id: uuidv7(),
      name: 'read-only',
      token_hash: createHash('sha256').update(scoped).digest('hex'),
      subject: 'rbac-admin',
      role: 'viewer',
      user_id: user.id,
      created_at: now,
      expires_at: null,
      revoked_at: null,
      last_used_at: null,
    })
    .execute();
  expect((await call('GET', '/api/v1/audit', scoped)).status).toBe(403);
  expect((await call('GET', '/api/v1/runs', scoped)).status).toBe(200);
});
