/** Loading who a user is for access checks: their teams and the grants of those teams. */
import type { Kysely, Transaction } from 'kysely';
import { isRole, type Grant } from '../core/access/index.ts';
import type { Database, UserRow } from './tables.ts';

type Db = Kysely<Database> | Transaction<Database>;

export interface UserAccess {
  user: UserRow;
  teams: string[];
  grants: Grant[];
}

export async function findUserByName(db: Db, username: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
}

export async function findUserById(db: Db, id: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

/** A user's teams and grants; undefined when the user does not exist. */
export async function loadUserAccess(db: Db, userId: string): Promise<UserAccess | undefined> {
  const user = await findUserById(db, userId);
  if (!user) return undefined;
  const teams = await db
    .selectFrom('team_members')
    .innerJoin('teams', 'teams.id', 'team_members.team_id')
    .select(['teams.id', 'teams.name'])
    .where('team_members.user_id', '=', userId)
    .execute();
  const rows =
    teams.length === 0
      ? []
      : await db
          .selectFrom('role_grants')
          .selectAll()
          .where(
            'team_id',
            'in',
            teams.map((t) => t.id),
          )
          .execute();
  const teamName = new Map(teams.map((t) => [t.id, t.name]));
  const grants: Grant[] = [];
  for (const r of rows) {
    if (!isRole(r.role)) continue;
    grants.push({
      role: r.role,
      team: teamName.get(r.team_id) ?? r.team_id,
      sites: JSON.parse(r.sites) as string[],
      labels: JSON.parse(r.labels) as Record<string, string>,
    });
  }
  return { user, teams: teams.map((t) => t.name).sort(), grants };
}
