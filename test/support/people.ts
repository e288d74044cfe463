/**
 * People for end-to-end tests, made through the identity API as an administrator would: the
 * user, their teams (created when missing) with the grants asked for, the memberships, and an
 * API token for the user.
 */
import type { Role } from '../../src/core/access/index.ts';
import type { client } from './server-process.ts';

/** The test client of `server-process.ts` (`client(url)`), holding an admin's token. */
export type Api = ReturnType<typeof client>;

export interface TeamSpec {
  name: string;
  /** Roles granted to the team (when not granted already), each with these sites and labels. */
  roles?: Role[];
  sites?: string[];
  labels?: Record<string, string>;
}

export interface PersonSpec {
  username: string;
  /** Lets the person sign in (web session, `tandem login`); at least 10 characters. */
  password?: string;
  teams?: TeamSpec[];
  /** The token's scope; default: whatever the person's grants allow. */
  scope?: Role;
}

export interface Person {
  token: string;
  userId: string;
}

const path = encodeURIComponent;

async function expectOk(
  what: string,
  answer: Promise<{ status: number; body: unknown }>,
  ok: number[] = [200, 201],
) {
  const r = await answer;
  if (!ok.includes(r.status)) throw new Error(`${what}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
  return r;
}

const sameGrant = (
  g: { role: string; sites: string[]; labels: Record<string, string> },
  role: Role,
  sites: string[],
  labels: Record<string, string>,
) =>
  g.role === role &&
  JSON.stringify([...g.sites].sort()) === JSON.stringify([...sites].sort()) &&
  JSON.stringify(Object.entries(g.labels).sort()) === JSON.stringify(Object.entries(labels).sort());

/** Make a person (see the file comment); `api` must be allowed users:write and teams:write. */
export async function createPerson(api: Api, spec: PersonSpec): Promise<Person> {
  const user = await expectOk(
    `create user ${spec.username}`,
    api('POST', '/api/v1/users', {
      username: spec.username,
      ...(spec.password === undefined ? {} : { password: spec.password }),
    }),
    [201],
  );
  for (const team of spec.teams ?? []) {
    let found = await api('GET', `/api/v1/teams/${path(team.name)}`);
    if (found.status === 404)
      found = await expectOk(
        `create team ${team.name}`,
        api('POST', '/api/v1/teams', { name: team.name }),
        [201, 409],
      );
    if (found.status === 409) found = await api('GET', `/api/v1/teams/${path(team.name)}`);
    const existing =
      (found.body as { grants?: { role: string; sites: string[]; labels: Record<string, string> }[] })
        .grants ?? [];
    const sites = team.sites ?? [];
    const labels = team.labels ?? {};
    for (const role of team.roles ?? []) {
      if (existing.some((g) => sameGrant(g, role, sites, labels))) continue;
      await expectOk(
        `grant ${role} to ${team.name}`,
        api('POST', `/api/v1/teams/${path(team.name)}/grants`, { role, sites, labels }),
        [201],
      );
    }
    await expectOk(
      `add ${spec.username} to ${team.name}`,
      api('PUT', `/api/v1/teams/${path(team.name)}/members/${path(spec.username)}`),
    );
  }
  const token = await expectOk(
    `token for ${spec.username}`,
    api('POST', '/api/v1/tokens', {
      name: 'test',
      user: spec.username,
      ...(spec.scope === undefined ? {} : { scope: spec.scope }),
    }),
    [201],
  );
  return {
    token: (token.body as { token: string }).token,
    userId: (user.body as { id: string }).id,
  };
}
