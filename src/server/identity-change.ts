/**
 * What the user and team routes share: a change audited in its transaction, lookups that answer
 * 404, and the guard that keeps at least one administrator.
 */
import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { TandemError } from '../core/errors.ts';
import {
  appendAudit,
  countAdmins,
  findTeamByName,
  findUserByName,
  grantsOfTeams,
  teamMemberNames,
  teamNamesOf,
  type AuditEntry,
  type Database,
  type TeamRow,
  type Tx,
  type UserRow,
} from '../store/index.ts';
import { callerOf } from './access.ts';
import type { ServerContext } from './context.ts';
import { teamView, userView } from './identity-views.ts';

export type Ctx = Pick<ServerContext, 'store' | 'clock' | 'auth'>;
/** A store or a transaction: anything to query. */
export type HasDb = { db: Kysely<Database> };

/** Run a change with its audit entries in one transaction; `record` adds an entry. */
export function change<T>(
  ctx: Ctx,
  req: FastifyRequest,
  fn: (tx: Tx, record: (e: Omit<AuditEntry, 'actor' | 'address'>) => Promise<void>) => Promise<T>,
): Promise<T> {
  const actor = callerOf(req).subject;
  return ctx.store.transaction(async (tx) => {
    const now = ctx.clock();
    return fn(tx, async (e) => {
      await appendAudit(tx, { ...e, actor, address: req.ip }, now);
    });
  });
}

export async function userOr404(tx: HasDb, name: string): Promise<UserRow> {
  const user = await findUserByName(tx.db, name);
  if (!user) throw new TandemError('not_found', `no user ${name}`);
  return user;
}

export async function teamOr404(tx: HasDb, name: string): Promise<TeamRow> {
  const team = await findTeamByName(tx.db, name);
  if (!team) throw new TandemError('not_found', `no team ${name}`);
  return team;
}

/** Run an insert; a unique violation (two requests racing for one name) answers 409. */
export async function unique<T>(tx: Tx, what: string, insert: () => Promise<T>): Promise<T> {
  try {
    return await insert();
  } catch (err: unknown) {
    if (tx.dialect.isUniqueViolation(err))
      throw new TandemError('conflict', `${what} exists`, { cause: err });
    throw err;
  }
}

/** Refuse (rolling the change back) when no enabled user would be left holding the admin role. */
export async function keepAnAdmin(tx: Tx, what: string): Promise<void> {
  if ((await countAdmins(tx.db)) === 0)
    throw new TandemError(
      'conflict',
      `${what} would leave no enabled administrator: grant admin to someone else first`,
    );
}

export async function showUser(tx: HasDb, user: UserRow) {
  return userView(user, (await teamNamesOf(tx.db, [user.id])).get(user.id) ?? []);
}

export async function showTeam(tx: HasDb, team: TeamRow) {
  const members = await teamMemberNames(tx.db, [team.id]);
  const grants = await grantsOfTeams(tx.db, [team.id]);
  return teamView(team, members.get(team.id) ?? [], grants.get(team.id) ?? []);
}
