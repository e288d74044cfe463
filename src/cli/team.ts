/** `tandem team create|list|show|add|remove|grant|revoke`: teams, members and the roles they hold. */
import type { Command } from 'commander';
import { clientFrom, globalsOf } from './client.ts';
import { usageError } from './errors.ts';
import { pairs, print, printJson, table } from './output.ts';
import { collect } from './parse-options.ts';

interface GrantView {
  id: string;
  team: string;
  role: string;
  sites: string[];
  labels: Record<string, string>;
  created_by: string | null;
}

interface TeamView {
  name: string;
  description: string | null;
  oidc_group: string | null;
  members: string[];
  grants: GrantView[];
}

const ROLES = 'viewer, operator, approver or admin';
const path = (name: string) => `/api/v1/teams/${encodeURIComponent(name)}`;

/** `operator on sites idc-* for runbooks labelled area=database` */
const grantText = (g: GrantView) =>
  g.role +
  (g.sites.length > 0 ? ` on sites ${g.sites.join(',')}` : '') +
  (Object.keys(g.labels).length > 0 ? ` for runbooks labelled ${pairs(g.labels)}` : '');

function parseLabel(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw usageError(`--label ${value}: expected key=value, e.g. --label area=database`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

export function formatTeam(t: TeamView): string {
  const head = [
    `team     ${t.name}`,
    `about    ${t.description ?? '-'}`,
    `oidc     ${t.oidc_group ?? '-'}`,
    `members  ${t.members.length === 0 ? '-' : t.members.join(', ')}`,
  ];
  if (t.grants.length === 0) return [...head, 'grants   -'].join('\n');
  const rows = t.grants.map((g) => [
    g.id,
    g.role,
    g.sites.length === 0 ? 'all' : g.sites.join(','),
    Object.keys(g.labels).length === 0 ? 'all' : pairs(g.labels),
  ]);
  return [...head, '', table(['GRANT', 'ROLE', 'SITES', 'LABELS'], rows)].join('\n');
}

export function registerTeam(program: Command): void {
  const team = program.command('team').description('teams, their members and the roles granted to them');

  team
    .command('create')
    .description('create a team')
    .argument('<name>', 'lower-case letters, digits and . _ -')
    .option('--description <text>', 'what the team does')
    .option('--oidc-group <group>', 'members of this OIDC group join the team when they sign in')
    .action(async (name: string, o: { description?: string; oidcGroup?: string }, cmd: Command) => {
      const globals = globalsOf(cmd);
      const { body } = await clientFrom(globals).request('POST', '/api/v1/teams', {
        body: {
          name,
          ...(o.description === undefined ? {} : { description: o.description }),
          ...(o.oidcGroup === undefined ? {} : { oidc_group: o.oidcGroup }),
        },
      });
      if (globals.json) return printJson(body);
      print(`team ${name} created`);
    });

  team
    .command('list')
    .description('every team with its members and grants')
    .action(async (_o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      const answer = (await clientFrom(globals).get('/api/v1/teams')) as { teams: TeamView[] };
      if (globals.json) return printJson(answer);
      const rows = answer.teams.map((t) => [
        t.name,
        t.members.join(','),
        t.grants.map(grantText).join('; '),
        t.oidc_group,
      ]);
      print(table(['TEAM', 'MEMBERS', 'GRANTS', 'OIDC GROUP'], rows));
    });

  team
    .command('show')
    .description('one team: members and grants (with the ids "team revoke" takes)')
    .argument('<name>')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      const answer = (await clientFrom(globals).get(path(name))) as TeamView;
      if (globals.json) return printJson(answer);
      print(formatTeam(answer));
    });

  team
    .command('add')
    .description('add users to a team')
    .argument('<team>')
    .argument('<usernames...>')
    .action(async (name: string, usernames: string[], _o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      const api = clientFrom(globals);
      let answer: unknown;
      for (const u of usernames)
        answer = (await api.request('PUT', `${path(name)}/members/${encodeURIComponent(u)}`)).body;
      if (globals.json) return printJson(answer);
      print(`${usernames.join(', ')} ${usernames.length === 1 ? 'is' : 'are'} in team ${name}`);
    });

  team
    .command('remove')
    .description('remove users from a team')
    .argument('<team>')
    .argument('<usernames...>')
    .action(async (name: string, usernames: string[], _o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      const api = clientFrom(globals);
      let answer: unknown;
      for (const u of usernames)
        answer = (await api.request('DELETE', `${path(name)}/members/${encodeURIComponent(u)}`)).body;
      if (globals.json) return printJson(answer);
      print(`${usernames.join(', ')} removed from team ${name}`);
    });

  team
    .command('grant')
    .description(`grant a role (${ROLES}) to a team, optionally only on some sites and runbook labels`)
    .argument('<team>')
    .argument('<role>', ROLES)
    .option('--site <pattern>', 'only on sites matching this pattern, e.g. idc-* (repeat)', collect, [])
    .option(
      '--label <key=value>',
      'only on runbooks with this label (repeat; all must match)',
      parseLabel,
      {},
    )
    .addHelpText(
      'after',
      [
        '',
        'Example: the DBA team may operate runbooks labelled area=database on sites idc-*:',
        '  tandem team grant dba operator --site "idc-*" --label area=database',
      ].join('\n'),
    )
    .action(
      async (
        name: string,
        role: string,
        o: { site: string[]; label: Record<string, string> },
        cmd: Command,
      ) => {
        const globals = globalsOf(cmd);
        const { body } = await clientFrom(globals).request('POST', `${path(name)}/grants`, {
          body: { role, sites: o.site, labels: o.label },
        });
        if (globals.json) return printJson(body);
        const g = body as GrantView;
        print(`granted ${grantText(g)} to team ${name} (grant ${g.id})`);
      },
    );

  team
    .command('revoke')
    .description('revoke a grant of a team (its id is in "tandem team show")')
    .argument('<team>')
    .argument('<grant-id>')
    .action(async (name: string, id: string, _o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      const { body } = await clientFrom(globals).request(
        'DELETE',
        `${path(name)}/grants/${encodeURIComponent(id)}`,
      );
      if (globals.json) return printJson(body);
      print(`revoked ${grantText(body as GrantView)} from team ${name}`);
    });
}
