import { expect, it } from 'vitest';
import {
  addTeamMember,
  countAdmins,
  deleteExpiredSessions,
  deleteGrant,
  deleteSession,
  deleteUserSessions,
  findApiToken,
  findUserByOidcSubject,
  grantsOfTeams,
  insertApiToken,
  insertGrant,
  insertOidcLogin,
  insertSession,
  insertTeam,
  insertUser,
  listApiTokens,
  listOidcTeams,
  listUsers,
  loadUserAccess,
  removeTeamMember,
  revokeApiToken,
  sessionExpiry,
  takeOidcLogin,
  teamMemberNames,
  teamNamesOf,
  touchSession,
  updateTeam,
  updateUser,
  uuidv7,
  type Store,
} from '../../src/store/index.ts';
import { describeEachStore } from '../support/stores.ts';

const T0 = 1_700_000_000_000;
const limits = { idleMs: 60_000, maxAgeMs: 300_000 };

const user = (store: Store, username: string, extra: Partial<Parameters<typeof insertUser>[1]> = {}) =>
  insertUser(store.db, {
    id: uuidv7(),
    username,
    displayName: null,
    email: null,
    passwordHash: null,
    source: 'local',
    oidcSubject: null,
    now: T0,
    ...extra,
  });

const team = (store: Store, name: string, oidcGroup: string | null = null) =>
  insertTeam(store.db, { id: uuidv7(), name, description: null, oidcGroup, now: T0 });

describeEachStore('people store', (ctx) => {
  it('creates, changes and lists users, and finds them by OIDC subject', async () => {
    const { store } = ctx();
    const bob = await user(store, 'bob');
    await user(store, 'alice', { source: 'oidc', oidcSubject: 'sub-1', email: 'a@example.com' });
    expect(bob).toMatchObject({ username: 'bob', disabled: 0, source: 'local', last_login_at: null });
    const changed = await updateUser(
      store.db,
      bob.id,
      { disabled: true, displayName: 'Bob', lastLoginAt: T0 + 5 },
      T0 + 9,
    );
    expect(changed).toMatchObject({
      disabled: 1,
      display_name: 'Bob',
      last_login_at: T0 + 5,
      updated_at: T0 + 9,
    });
    expect((await listUsers(store.db)).map((u) => u.username)).toEqual(['alice', 'bob']);
    expect((await findUserByOidcSubject(store.db, 'sub-1'))?.username).toBe('alice');
    expect(await findUserByOidcSubject(store.db, 'sub-2')).toBeUndefined();
  });

  it('adds and removes members once, and loads a user’s teams and grants', async () => {
    const { store } = ctx();
    const bob = await user(store, 'bob');
    const dba = await team(store, 'dba');
    const ops = await team(store, 'ops', 'ops-group');
    expect(await addTeamMember(store.db, dba.id, bob.id, T0)).toBe(true);
    expect(await addTeamMember(store.db, dba.id, bob.id, T0)).toBe(false);
    await addTeamMember(store.db, ops.id, bob.id, T0);
    const g = await insertGrant(store.db, {
      id: uuidv7(),
      teamId: dba.id,
      role: 'operator',
      sites: ['idc-*'],
      labels: { area: 'db' },
      createdBy: 'admin',
      now: T0,
    });
    const access = await loadUserAccess(store.db, bob.id);
    expect(access?.teams).toEqual(['dba', 'ops']);
    expect(access?.grants).toEqual([
      { role: 'operator', team: 'dba', sites: ['idc-*'], labels: { area: 'db' } },
    ]);
    expect((await teamNamesOf(store.db, [bob.id])).get(bob.id)).toEqual(['dba', 'ops']);
    expect((await teamMemberNames(store.db, [dba.id])).get(dba.id)).toEqual(['bob']);
    expect((await grantsOfTeams(store.db, [dba.id, ops.id])).get(ops.id)).toEqual([]);
    expect((await listOidcTeams(store.db)).map((t) => t.name)).toEqual(['ops']);
    expect((await updateTeam(store.db, ops.id, { oidcGroup: null })).oidc_group).toBeNull();

    expect(await deleteGrant(store.db, ops.id, g.id)).toBeUndefined();
    expect((await deleteGrant(store.db, dba.id, g.id))?.role).toBe('operator');
    expect(await removeTeamMember(store.db, dba.id, bob.id)).toBe(true);
    expect(await removeTeamMember(store.db, dba.id, bob.id)).toBe(false);
    expect((await loadUserAccess(store.db, bob.id))?.teams).toEqual(['ops']);
  });

  it('counts the enabled users holding an admin grant', async () => {
    const { store } = ctx();
    expect(await countAdmins(store.db)).toBe(0);
    const admins = await team(store, 'root');
    await insertGrant(store.db, {
      id: uuidv7(),
      teamId: admins.id,
      role: 'admin',
      sites: [],
      labels: {},
      createdBy: null,
      now: T0,
    });
    const a = await user(store, 'a');
    const b = await user(store, 'b');
    await addTeamMember(store.db, admins.id, a.id, T0);
    await addTeamMember(store.db, admins.id, b.id, T0);
    expect(await countAdmins(store.db)).toBe(2);
    await updateUser(store.db, b.id, { disabled: true }, T0);
    expect(await countAdmins(store.db)).toBe(1);
  });

  it('lists a user’s tokens, including ones from before users existed, and revokes once', async () => {
    const { store } = ctx();
    const bob = await user(store, 'bob');
    const t = await insertApiToken(store.db, {
      id: uuidv7(),
      name: 'laptop',
      tokenHash: 'a'.repeat(64),
      userId: bob.id,
      username: 'bob',
      scope: 'operator',
      expiresAt: T0 + 1000,
      now: T0,
    });
    await store.db
      .insertInto('api_tokens')
      .values({
        id: uuidv7(),
        name: 'old',
        token_hash: 'b'.repeat(64),
        subject: 'bob',
        role: 'viewer',
        user_id: null,
        created_at: T0,
        expires_at: null,
        revoked_at: null,
        last_used_at: null,
      })
      .execute();
    await insertApiToken(store.db, {
      id: uuidv7(),
      name: 'other',
      tokenHash: 'c'.repeat(64),
      userId: uuidv7(),
      username: 'eve',
      scope: 'owner',
      expiresAt: null,
      now: T0,
    });
    const mine = await listApiTokens(store.db, { userId: bob.id, username: 'bob' });
    expect(mine.map((r) => r.name).sort()).toEqual(['laptop', 'old']);
    expect(await listApiTokens(store.db, 'all')).toHaveLength(3);
    expect(await revokeApiToken(store.db, t.id, T0 + 5)).toBe(true);
    expect(await revokeApiToken(store.db, t.id, T0 + 6)).toBe(false);
    expect((await findApiToken(store.db, t.id))?.revoked_at).toBe(T0 + 5);
  });

  it('ends a session at its idle limit, pushed back by use, and at its absolute limit', async () => {
    const { store } = ctx();
    const bob = await user(store, 'bob');
    const s = await insertSession(store.db, {
      idHash: 'h1',
      userId: bob.id,
      csrfToken: 'csrf',
      source: 'password',
      address: '127.0.0.1',
      now: T0,
      limits,
    });
    expect(s.expires_at).toBe(T0 + 60_000);
    // Used every 50 s, it lives until the absolute limit of 300 s…
    for (let t = T0 + 50_000; t < T0 + 300_000; t += 50_000)
      expect((await touchSession(store.db, 'h1', t, limits))?.expires_at).toBe(sessionExpiry(T0, t, limits));
    expect((await touchSession(store.db, 'h1', T0 + 299_999, limits))?.expires_at).toBe(T0 + 300_000);
    expect(await touchSession(store.db, 'h1', T0 + 300_000, limits)).toBeUndefined();
    // …and unused for 60 s it ends.
    await insertSession(store.db, {
      idHash: 'h2',
      userId: bob.id,
      csrfToken: 'c',
      source: 'oidc',
      address: null,
      now: T0,
      limits,
    });
    expect(await touchSession(store.db, 'h2', T0 + 60_000, limits)).toBeUndefined();

    await insertSession(store.db, {
      idHash: 'h3',
      userId: bob.id,
      csrfToken: 'c',
      source: 'oidc',
      address: null,
      now: T0 + 1_000_000,
      limits,
    });
    expect(await deleteExpiredSessions(store.db, T0 + 1_000_000)).toBe(2);
    expect(await deleteSession(store.db, 'h3')).toBe(true);
    expect(await deleteSession(store.db, 'h3')).toBe(false);
    await insertSession(store.db, {
      idHash: 'h4',
      userId: bob.id,
      csrfToken: 'c',
      source: 'oidc',
      address: null,
      now: T0,
      limits,
    });
    expect(await deleteUserSessions(store.db, bob.id)).toBe(1);
  });

  it('hands out an OIDC sign-in under way once, and not after it expired', async () => {
    const { store } = ctx();
    const login = { state: 's1', nonce: 'n', code_verifier: 'v', return_to: '/x', expires_at: T0 + 600_000 };
    await insertOidcLogin(store.db, login);
    await insertOidcLogin(store.db, { ...login, state: 's2' });
    expect(await takeOidcLogin(store.db, 's1', T0)).toEqual(login);
    expect(await takeOidcLogin(store.db, 's1', T0)).toBeUndefined();
    expect(await takeOidcLogin(store.db, 's2', T0 + 600_000)).toBeUndefined();
  });
});
