/** Teams, their members and the roles granted to them (optionally restricted to sites and labels). */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, RoleGrantRow, TeamRow } from './tables.ts';

type Db = Kysely<Database> | Transaction<Database>;

export async function insertTeam(
  db: Db,
  t: { id: string; name: string; description: string | null; oidcGroup: string | null; now: number },
): Promise<TeamRow> {
  return db
    .insertInto('teams')
    .values({
      id: t.id,
      name: t.name,
      description: t.description,
      oidc_group: t.oidcGroup,
      created_at: t.now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function updateTeam(
  db: Db,
  id: string,
  change: { description?: string | null; oidcGroup?: string | null },
): Promise<TeamRow> {
  const set = {
    ...(change.description === undefined ? {} : { description: change.description }),
    ...(change.oidcGroup === undefined ? {} : { oidc_group: change.oidcGroup }),
  };
  if (Object.keys(set).length === 0)
    return db.selectFrom('teams').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  return db.updateTable('teams').set(set).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}

export async function findTeamByName(db: Db, name: string): Promise<TeamRow | undefined> {
  return db.selectFrom('teams').selectAll().where('name', '=', name).executeTakeFirst();
}

export async function listTeams(db: Db): Promise<TeamRow[]> {
  return db.selectFrom('teams').selectAll().orderBy('name').execute();
}

/** Teams whose `oidc_group` is set: the ones an OIDC sign-in joins and leaves. */
export async function listOidcTeams(db: Db): Promise<TeamRow[]> {
  return db.selectFrom('teams').selectAll().where('oidc_group', 'is not', null).execute();
}

/** Add a member; answers false when they already were one. */
export async function addTeamMember(db: Db, teamId: string, userId: string, now: number): Promise<boolean> {
  const r = await db
    .insertInto('team_members')
    .values({ team_id: teamId, user_id: userId, added_at: now })
    .onConflict((oc) => oc.columns(['team_id', 'user_id']).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** Remove a member; answers false when they were not one. */
export async function removeTeamMember(db: Db, teamId: string, userId: string): Promise<boolean> {
  const r = await db
    .deleteFrom('team_members')
    .where('team_id', '=', teamId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** Usernames of each of `teamIds`, sorted. */
export async function teamMemberNames(db: Db, teamIds: readonly string[]): Promise<Map<string, string[]>> {
  const members = new Map<string, string[]>(teamIds.map((id) => [id, []]));
  if (teamIds.length === 0) return members;
  const rows = await db
    .selectFrom('team_members')
    .innerJoin('users', 'users.id', 'team_members.user_id')
    .select(['team_members.team_id', 'users.username'])
    .where('team_members.team_id', 'in', teamIds)
    .orderBy('users.username')
    .execute();
  for (const r of rows) members.get(r.team_id)?.push(r.username);
  return members;
}

export interface NewGrant {
  id: string;
  teamId: string;
  role: string;
  sites: string[];
  labels: Record<string, string>;
  createdBy: string | null;
  now: number;
}

export async function insertGrant(db: Db, g: NewGrant): Promise<RoleGrantRow> {
  return db
    .insertInto('role_grants')
    .values({
      id: g.id,
      team_id: g.teamId,
      role: g.role,
      sites: JSON.stringify(g.sites),
      labels: JSON.stringify(g.labels),
      created_by: g.createdBy,
      created_at: g.now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function deleteGrant(
  db: Db,
  teamId: string,
  grantId: string,
): Promise<RoleGrantRow | undefined> {
  return db
    .deleteFrom('role_grants')
    .where('team_id', '=', teamId)
    .where('id', '=', grantId)
    .returningAll()
    .executeTakeFirst();
}

/** The grants of each of `teamIds`, oldest first. */
export async function grantsOfTeams(
  db: Db,
  teamIds: readonly string[],
): Promise<Map<string, RoleGrantRow[]>> {
  const grants = new Map<string, RoleGrantRow[]>(teamIds.map((id) => [id, []]));
  if (teamIds.length === 0) return grants;
  const rows = await db
    .selectFrom('role_grants')
    .selectAll()
    .where('team_id', 'in', teamIds)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  for (const r of rows) grants.get(r.team_id)?.push(r);
  return grants;
}

/**
 * How many enabled users hold an admin grant. A change that would bring this to zero is refused,
 * so nobody can lock every administrator out.
 */
export async function countAdmins(db: Db): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select(sql<number | string>`count(distinct users.id)`.as('n'))
    .innerJoin('team_members', 'team_members.user_id', 'users.id')
    .innerJoin('role_grants', 'role_grants.team_id', 'team_members.team_id')
    .where('role_grants.role', '=', 'admin')
    .where('users.disabled', '=', 0)
    .executeTakeFirstOrThrow();
  // PostgreSQL answers a bigint count as text.
  return Number(row.n);
}
