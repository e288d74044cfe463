/** `tandem user create|list|show|disable|enable|passwd`: accounts. Passwords never travel in argv. */
import type { Command } from 'commander';
import { clientFrom, globalsOf } from './client.ts';
import { formatDateTime, print, printJson, table } from './output.ts';
import { readPassword } from './password-input.ts';

export interface UserView {
  id: string;
  username: string;
  display_name: string | null;
  email: string | null;
  source: string;
  disabled: boolean;
  has_password: boolean;
  teams: string[];
  created_at: string;
  last_login_at: string | null;
}

const path = (name: string) => `/api/v1/users/${encodeURIComponent(name)}`;
const state = (u: UserView) => (u.disabled ? 'disabled' : 'enabled');

export function formatUser(u: UserView): string {
  const rows: [string, unknown][] = [
    ['username', u.username],
    ['name', u.display_name],
    ['email', u.email],
    ['source', u.source],
    ['state', state(u)],
    ['password', u.has_password ? 'set' : 'none (tokens or OIDC only)'],
    ['teams', u.teams.join(', ')],
    ['created', formatDateTime(u.created_at)],
    ['last login', formatDateTime(u.last_login_at)],
  ];
  return table(['FIELD', 'VALUE'], rows).split('\n').slice(1).join('\n');
}

export function registerUser(program: Command): void {
  const user = program.command('user').description('create, list and change user accounts');

  user
    .command('create')
    .description('create a local user; the password is typed (twice) or piped in, never an argument')
    .argument('<username>', 'lower-case letters, digits and . _ @ -')
    .option('--display-name <name>', 'the name people see')
    .option('--email <address>', 'where notifications go')
    .option('--no-password', 'no password: the user signs in with tokens (or OIDC) only')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  tandem user create alice --display-name "Alice Li"',
        '  printf %s "$PW" | tandem user create bob',
      ].join('\n'),
    )
    .action(
      async (
        username: string,
        o: { displayName?: string; email?: string; password: boolean },
        cmd: Command,
      ) => {
        const globals = globalsOf(cmd);
        const password = o.password
          ? await readPassword({ prompt: `password for ${username}: `, confirm: true })
          : undefined;
        const { body } = await clientFrom(globals).request('POST', '/api/v1/users', {
          body: {
            username,
            ...(password === undefined ? {} : { password }),
            ...(o.displayName === undefined ? {} : { display_name: o.displayName }),
            ...(o.email === undefined ? {} : { email: o.email }),
          },
        });
        if (globals.json) return printJson(body);
        print(`user ${(body as UserView).username} created${password === undefined ? ' (no password)' : ''}`);
      },
    );

  user
    .command('list')
    .description('every user with their teams')
    .action(async (_o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      const answer = (await clientFrom(globals).get('/api/v1/users')) as { users: UserView[] };
      if (globals.json) return printJson(answer);
      const rows = answer.users.map((u) => [
        u.username,
        u.display_name,
        u.source,
        state(u),
        u.teams.join(','),
        formatDateTime(u.last_login_at),
      ]);
      print(table(['USERNAME', 'NAME', 'SOURCE', 'STATE', 'TEAMS', 'LAST LOGIN'], rows));
    });

  user
    .command('show')
    .description('one user')
    .argument('<username>')
    .action(async (username: string, _o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      const answer = (await clientFrom(globals).get(path(username))) as UserView;
      if (globals.json) return printJson(answer);
      print(formatUser(answer));
    });

  for (const [name, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    user
      .command(name)
      .description(
        disabled
          ? 'disable a user: their tokens and sessions stop working at once'
          : 'enable a disabled user again',
      )
      .argument('<username>')
      .action(async (username: string, _o: unknown, cmd: Command) => {
        const globals = globalsOf(cmd);
        const { body } = await clientFrom(globals).request('PATCH', path(username), { body: { disabled } });
        if (globals.json) return printJson(body);
        print(`user ${username} ${disabled ? 'disabled' : 'enabled'}`);
      });
  }

  user
    .command('passwd')
    .description("set a user's password (typed twice, or piped in); ends their web sessions")
    .argument('<username>')
    .action(async (username: string, _o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      const password = await readPassword({ prompt: `new password for ${username}: `, confirm: true });
      const { body } = await clientFrom(globals).request('PATCH', path(username), { body: { password } });
      if (globals.json) return printJson(body);
      print(`password of ${username} changed`);
    });
}
