/**
 * Who the caller is and what their grants allow. Pure: the server loads a Principal once per
 * request and asks `can` about each thing it is about to do.
 */
import { ROLE_PERMISSIONS, type Permission, type Role } from './roles.ts';

/** A role granted to a team, optionally restricted to sites (glob patterns) and runbook labels. */
export interface Grant {
  role: Role;
  team: string;
  /** Site patterns such as `idc-*`; empty means every site. */
  sites: string[];
  /** Runbook labels that must all match; empty means every runbook. */
  labels: Record<string, string>;
}

export interface Principal {
  userId: string;
  username: string;
  teams: string[];
  grants: Grant[];
  /** The most the credential in use may do: a token can be scoped below its owner's roles. */
  scope: Role;
}

/** What an action touches: the sites a run works on and the labels of its runbook. */
export interface AccessTarget {
  sites?: readonly string[];
  labels?: Readonly<Record<string, string>>;
}

/** `idc-*` matches `idc-shanghai`; `*` anything; no other metacharacters. */
export function siteMatches(pattern: string, site: string): boolean {
  if (!pattern.includes('*')) return pattern === site;
  const re = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`);
  return re.test(site);
}

const escapeRegExp = (s: string) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&');

/** Does this grant cover the target? A restricted grant needs the target to say where it acts. */
export function grantCovers(grant: Grant, target: AccessTarget | undefined): boolean {
  if (grant.sites.length > 0) {
    // A run that names no site could run anywhere: only an unrestricted grant covers it.
    const sites = target?.sites ?? [];
    if (sites.length === 0) return false;
    if (!sites.every((s) => grant.sites.some((p) => siteMatches(p, s)))) return false;
  }
  for (const [k, v] of Object.entries(grant.labels)) if (target?.labels?.[k] !== v) return false;
  return true;
}

/**
 * May the principal do `perm`? Without a target this asks whether any grant carries the
 * permission at all (the check at the door of a route); with one, a grant must also cover it.
 */
export function can(p: Principal, perm: Permission, target?: AccessTarget): boolean {
  if (!ROLE_PERMISSIONS[p.scope].has(perm)) return false;
  return p.grants.some(
    (g) => ROLE_PERMISSIONS[g.role].has(perm) && (target === undefined || grantCovers(g, target)),
  );
}

export const isAdmin = (p: Principal) => can(p, 'users:write');

/** Who may act on a task, as the runbook says: a role, a team, named users (any of them). */
export interface Assignees {
  role?: string;
  team?: string;
  users?: string[];
}

/**
 * Is the principal one of the assignees? An admin always is; a role must be held by a grant
 * covering the run; with no assignees named, anyone holding `perm` on the run is.
 */
export function isAssignee(
  p: Principal,
  who: Assignees | null | undefined,
  perm: Permission,
  target: AccessTarget,
): boolean {
  if (isAdmin(p)) return true;
  if (!can(p, perm, target)) return false;
  if (!who || (who.role === undefined && who.team === undefined && who.users === undefined)) return true;
  if (who.users?.includes(p.username)) return true;
  if (who.team !== undefined && p.teams.includes(who.team)) return true;
  if (who.role !== undefined) return p.grants.some((g) => g.role === who.role && grantCovers(g, target));
  return false;
}
