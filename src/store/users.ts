/**
 * Users: local accounts (a password hash) and accounts made by an OIDC sign-in (a subject).
 * Looking a user up by name or id lives in principals.ts, beside loading their access.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database, UserRow } from './tables.ts';

type Db = Kysely<Database> | Transaction<Database>;

export type UserSource = 'local' | 'oidc';

export interface NewUser {
  id: string;
  username: string;
  displayName: string | null;
  email: string | null;
  passwordHash: string | null;
  source: UserSource;
  oidcSubject: string | null;
  now: number;
}

export async function insertUser(db: Db, u: NewUser): Promise<UserRow> {
  return db
    .insertInto('users')
    .values({
      id: u.id,
      username: u.username,
      display_name: u.displayName,
      email: u.email,
      password_hash: u.passwordHash,
      source: u.source,
      oidc_subject: u.oidcSubject,
      created_at: u.now,
      updated_at: u.now,
      last_login_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The fields a change may set; absent fields stay as they are. */
export interface UserChange {
  displayName?: string | null;
  email?: string | null;
  passwordHash?: string | null;
  disabled?: boolean;
  oidcSubject?: string | null;
  lastLoginAt?: number;
}

export async function updateUser(db: Db, id: string, change: UserChange, now: number): Promise<UserRow> {
  return db
    .updateTable('users')
    .set({
      updated_at: now,
      ...(change.displayName === undefined ? {} : { display_name: change.displayName }),
      ...(change.email === undefined ? {} : { email: change.email }),
      ...(change.passwordHash === undefined ? {} : { password_hash: change.passwordHash }),
      ...(change.disabled === undefined ? {} : { disabled: change.disabled ? 1 : 0 }),
      ...(change.oidcSubject === undefined ? {} : { oidc_subject: change.oidcSubject }),
      ...(change.lastLoginAt === undefined ? {} : { last_login_at: change.lastLoginAt }),
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function listUsers(db: Db): Promise<UserRow[]> {
  return db.selectFrom('users').selectAll().orderBy('username').execute();
}

export async function findUserByOidcSubject(db: Db, subject: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('oidc_subject', '=', subject).executeTakeFirst();
}

/** The team names of each of `userIds`, sorted. */
export async function teamNamesOf(db: Db, userIds: readonly string[]): Promise<Map<string, string[]>> {
  const teams = new Map<string, string[]>(userIds.map((id) => [id, []]));
  if (userIds.length === 0) return teams;
  const rows = await db
    .selectFrom('team_members')
    .innerJoin('teams', 'teams.id', 'team_members.team_id')
    .select(['team_members.user_id', 'teams.name'])
    .where('team_members.user_id', 'in', userIds)
    .orderBy('teams.name')
    .execute();
  for (const r of rows) teams.get(r.user_id)?.push(r.name);
  return teams;
}
