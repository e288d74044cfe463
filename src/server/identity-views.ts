/** How users, teams, grants and tokens look in the API. Times are RFC 3339 strings. */
import {
  OWNER_SCOPE,
  type ApiTokenRow,
  type RoleGrantRow,
  type TeamRow,
  type UserRow,
} from '../store/index.ts';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function userView(u: UserRow, teams: string[]) {
  return {
    id: u.id,
    username: u.username,
    display_name: u.display_name,
    email: u.email,
    source: u.source,
    disabled: u.disabled !== 0,
    has_password: u.password_hash !== null,
    teams,
    created_at: iso(u.created_at),
    updated_at: iso(u.updated_at),
    last_login_at: iso(u.last_login_at),
  };
}
export type UserView = ReturnType<typeof userView>;

export function grantView(g: RoleGrantRow, team: string) {
  return {
    id: g.id,
    team,
    role: g.role,
    sites: JSON.parse(g.sites) as string[],
    labels: JSON.parse(g.labels) as Record<string, string>,
    created_by: g.created_by,
    created_at: iso(g.created_at),
  };
}

export function teamView(t: TeamRow, members: string[], grants: RoleGrantRow[]) {
  return {
    id: t.id,
    name: t.name,
    description: t.description,
    oidc_group: t.oidc_group,
    members,
    grants: grants.map((g) => grantView(g, t.name)),
    created_at: iso(t.created_at),
  };
}

/** A token's state at `now`: usable, past its expiry, or revoked. */
export function tokenState(t: ApiTokenRow, now: number): 'active' | 'expired' | 'revoked' {
  if (t.revoked_at !== null) return 'revoked';
  return t.expires_at !== null && t.expires_at <= now ? 'expired' : 'active';
}

/** A token without its secret (which is never stored, and shown once when made). */
export function tokenView(t: ApiTokenRow, now: number) {
  return {
    id: t.id,
    name: t.name,
    user: t.subject,
    /** null: whatever its owner may do. */
    scope: t.role === OWNER_SCOPE ? null : t.role,
    state: tokenState(t, now),
    created_at: iso(t.created_at),
    expires_at: iso(t.expires_at),
    last_used_at: iso(t.last_used_at),
    revoked_at: iso(t.revoked_at),
  };
}
