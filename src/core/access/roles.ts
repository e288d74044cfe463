/**
 * Roles and the permissions they carry: the one table every API route is checked against.
 * Roles are granted to teams, optionally restricted to sites and runbook labels (see grants.ts).
 */

export const roles = ['viewer', 'operator', 'approver', 'admin'] as const;
export type Role = (typeof roles)[number];

/** Everything a route can require. Reading is split from changing for each kind of thing. */
export const permissions = [
  'runbooks:read',
  'runbooks:write',
  'runs:read',
  'runs:start',
  'runs:control',
  'runs:comment',
  'tasks:read',
  'tasks:decide',
  'tasks:work',
  'sites:read',
  'sites:write',
  'agents:read',
  'agents:write',
  'secrets:read',
  'secrets:write',
  'users:read',
  'users:write',
  'teams:read',
  'teams:write',
  'tokens:own',
  'tokens:admin',
  'audit:read',
  'notifications:read',
  'notifications:write',
  'estate:read',
  'estate:write',
  'events:read',
  'events:write',
  'incidents:read',
  'incidents:write',
  'rules:read',
  'rules:write',
  'slos:read',
  'slos:write',
] as const;
export type Permission = (typeof permissions)[number];

const viewer: readonly Permission[] = [
  'runbooks:read',
  'runs:read',
  'tasks:read',
  'sites:read',
  'agents:read',
  'users:read',
  'teams:read',
  'tokens:own',
  'notifications:read',
  'estate:read',
  'events:read',
  'incidents:read',
  'rules:read',
  'slos:read',
];

/**
 * What each role may do. Operators run things; approvers decide on approvals; admins change
 * who may do what. An admin counts as any approver.
 */
export const ROLE_PERMISSIONS: Readonly<Record<Role, ReadonlySet<Permission>>> = {
  viewer: new Set(viewer),
  operator: new Set<Permission>([
    ...viewer,
    'runbooks:write',
    'runs:start',
    'runs:control',
    'runs:comment',
    'tasks:work',
    'secrets:read',
    'incidents:write',
  ]),
  approver: new Set<Permission>([...viewer, 'tasks:decide', 'runs:comment']),
  admin: new Set<Permission>(permissions),
};

export const isRole = (s: string): s is Role => (roles as readonly string[]).includes(s);
