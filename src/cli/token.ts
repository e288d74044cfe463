/** `tandem token create|list|revoke`: API tokens. A new token is printed once, alone on stdout. */
import type { Command } from 'commander';
import { clientFrom, globalsOf } from './client.ts';
import { formatDateTime, print, printJson, table } from './output.ts';

export interface IssuedToken {
  id: string;
  name: string;
  user: string;
  token: string;
  scope: string | null;
  expires_at: string;
}

interface TokenView {
  id: string;
  name: string;
  user: string;
  scope: string | null;
  state: string;
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
}

export const scopeText = (scope: string | null) => scope ?? "owner's roles";

export function registerToken(program: Command): void {
  const token = program.command('token').description('make, list and revoke API tokens');

  token
    .command('create')
    .description(
      'make a token; it is printed once on stdout (details on stderr), e.g. TOKEN=$(tandem token create ci)',
    )
    .argument('<name>', 'what the token is for, e.g. ci or laptop')
    .option(
      '--scope <role>',
      "the most it may do: viewer, operator, approver or admin (default: the owner's roles)",
    )
    .option('--expires-in <duration>', 'lifetime such as 30d or 12h (default 90d, at most 365d)')
    .option('--user <username>', 'for another user (needs tokens:admin)')
    .action(async (name: string, o: { scope?: string; expiresIn?: string; user?: string }, cmd: Command) => {
      const globals = globalsOf(cmd);
      const { body } = await clientFrom(globals).request('POST', '/api/v1/tokens', {
        body: {
          name,
          ...(o.scope === undefined ? {} : { scope: o.scope }),
          ...(o.expiresIn === undefined ? {} : { expires_in: o.expiresIn }),
          ...(o.user === undefined ? {} : { user: o.user }),
        },
      });
      if (globals.json) return printJson(body);
      const t = body as IssuedToken;
      process.stderr.write(
        `token ${t.name} of ${t.user} (id ${t.id}, scope ${scopeText(t.scope)}, expires ${formatDateTime(t.expires_at)}); shown once:\n`,
      );
      print(t.token);
    });

  token
    .command('list')
    .description('your tokens (never their secrets)')
    .option('--user <username>', "another user's tokens (needs tokens:admin)")
    .option('--all', "everyone's tokens (needs tokens:admin)")
    .action(async (o: { user?: string; all?: boolean }, cmd: Command) => {
      const globals = globalsOf(cmd);
      const query = o.all ? '?all=true' : o.user === undefined ? '' : `?user=${encodeURIComponent(o.user)}`;
      const answer = (await clientFrom(globals).get(`/api/v1/tokens${query}`)) as { tokens: TokenView[] };
      if (globals.json) return printJson(answer);
      const rows = answer.tokens.map((t) => [
        t.id,
        t.name,
        t.user,
        scopeText(t.scope),
        t.state,
        formatDateTime(t.expires_at),
        formatDateTime(t.last_used_at),
      ]);
      print(table(['ID', 'NAME', 'USER', 'SCOPE', 'STATE', 'EXPIRES', 'LAST USED'], rows));
    });

  token
    .command('revoke')
    .description('revoke a token: it stops working at once')
    .argument('<id>', 'the token id (see "tandem token list")')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      const { body } = await clientFrom(globals).request(
        'DELETE',
        `/api/v1/tokens/${encodeURIComponent(id)}`,
      );
      if (globals.json) return printJson(body);
      const t = body as TokenView;
      print(`token ${t.name} of ${t.user} revoked`);
    });
}
