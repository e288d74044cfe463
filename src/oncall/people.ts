/**
 * Names in on-call definitions checked against the store (a schedule of users who exist, a policy
 * of schedules and teams that exist), and escalation targets resolved to the people to reach.
 */
import type { Kysely, Transaction } from 'kysely';
import { TandemError, type ErrorDetail } from '../core/errors.ts';
import {
  whoIsOnCall,
  type EscalationPolicy,
  type EscalationTarget,
  type Schedule,
} from '../core/oncall/index.ts';
import type { Database } from '../store/index.ts';
import { findSchedule, listOverrides } from './schedules.ts';

type Db = Kysely<Database> | Transaction<Database>;

async function missing(db: Db, table: 'users' | 'teams', names: string[]) {
  const wanted = [...new Set(names)];
  if (wanted.length === 0) return [];
  const rows =
    table === 'users'
      ? await db.selectFrom('users').select('username as name').where('username', 'in', wanted).execute()
      : await db.selectFrom('teams').select('name').where('name', 'in', wanted).execute();
  const found = new Set(rows.map((r) => r.name));
  return wanted.filter((n) => !found.has(n));
}

function refuse(details: ErrorDetail[]): void {
  if (details.length === 0) return;
  throw new TandemError('invalid_input', details.map((d) => d.message).join('; '), { details });
}

export async function checkScheduleUsers(db: Db, s: Schedule): Promise<void> {
  const details: ErrorDetail[] = [];
  for (const [i, layer] of s.layers.entries()) {
    const unknown = await missing(db, 'users', layer.users);
    if (unknown.length > 0)
      details.push({ path: `layers[${i}].users`, message: `no user ${unknown.join(', ')}` });
  }
  refuse(details);
}

export async function checkUser(db: Db, username: string, path: string): Promise<void> {
  const unknown = await missing(db, 'users', [username]);
  refuse(unknown.length > 0 ? [{ path, message: `no user ${username}` }] : []);
}

export async function checkTeam(db: Db, team: string, path: string): Promise<void> {
  const unknown = await missing(db, 'teams', [team]);
  refuse(unknown.length > 0 ? [{ path, message: `no team ${team}` }] : []);
}

export async function checkPolicyTargets(db: Db, p: EscalationPolicy): Promise<void> {
  const details: ErrorDetail[] = [];
  for (const [i, level] of p.levels.entries())
    for (const [j, t] of level.targets.entries()) {
      const path = `levels[${i}].targets[${j}]`;
      if ('schedule' in t && !(await findSchedule(db, t.schedule)))
        details.push({ path, message: `no on-call schedule ${t.schedule}` });
      if ('team' in t && (await missing(db, 'teams', [t.team])).length > 0)
        details.push({ path, message: `no team ${t.team}` });
      if ('user' in t && (await missing(db, 'users', [t.user])).length > 0)
        details.push({ path, message: `no user ${t.user}` });
    }
  refuse(details);
}

/** One target resolved: who it reaches now (none when a schedule has nobody on call). */
export interface ReachedTarget {
  target: EscalationTarget;
  users: string[];
}

/** The people each target reaches at `now`: the schedule's on-call user, the team's members, the user. */
export async function resolveTargets(
  db: Db,
  targets: readonly EscalationTarget[],
  now: number,
): Promise<ReachedTarget[]> {
  const out: ReachedTarget[] = [];
  for (const target of targets) {
    if ('schedule' in target) {
      const found = await findSchedule(db, target.schedule);
      const who = found
        ? whoIsOnCall(found.schedule, now, await listOverrides(db, target.schedule, now, now + 1))
        : null;
      out.push({ target, users: who?.user ? [who.user] : [] });
    } else if ('team' in target) {
      const rows = await db
        .selectFrom('team_members as m')
        .innerJoin('teams as t', 't.id', 'm.team_id')
        .innerJoin('users as u', 'u.id', 'm.user_id')
        .select('u.username')
        .where('t.name', '=', target.team)
        .where('u.disabled', '=', 0)
        .orderBy('u.username')
        .execute();
      out.push({ target, users: rows.map((r) => r.username) });
    } else {
      const user = await db
        .selectFrom('users')
        .select('username')
        .where('username', '=', target.user)
        .where('disabled', '=', 0)
        .executeTakeFirst();
      out.push({ target, users: user ? [user.username] : [] });
    }
  }
  return out;
}

/** `schedule web-primary`, `team sre`, `user ann`. */
export const describeTarget = (t: EscalationTarget): string =>
  'schedule' in t ? `schedule ${t.schedule}` : 'team' in t ? `team ${t.team}` : `user ${t.user}`;
