/**
 * `tandem login` and `tandem logout`: trade a username and password for an API token of this
 * machine, saved per server (see credentials.ts) and used by later commands when neither
 * `--token` nor `TANDEM_TOKEN` is given.
 */
import { hostname } from 'node:os';
import type { Command } from 'commander';
import { ApiClient, DEFAULT_SERVER, globalsOf } from './client.ts';
import { removeCredential, saveCredential, serverKey } from './credentials.ts';
import { CliError, ExitCode, usageError } from './errors.ts';
import { formatDateTime, print, printJson } from './output.ts';
import { readLine, readPassword } from './password-input.ts';
import { scopeText, type IssuedToken } from './token.ts';

const WRONG_PASSWORD = 'wrong username or password';

const serverOf = (cmd: Command) =>
  serverKey(globalsOf(cmd).server ?? process.env.TANDEM_SERVER ?? DEFAULT_SERVER);

export function registerLogin(program: Command): void {
  program
    .command('login')
    .description('sign in: the password is typed, or piped in; the token is saved for this server')
    .option('--username <name>', 'who signs in (asked at a terminal when not given)')
    .option('--name <name>', 'a name for the token (default cli@<this host>)')
    .option('--expires-in <duration>', 'how long the token lives, e.g. 30d (default 90d, at most 365d)')
    .addHelpText(
      'after',
      [
        '',
        'The token is saved in $XDG_CONFIG_HOME/tandem/credentials.json (default ~/.config/tandem/),',
        'readable by you only. Examples:',
        '  tandem --server https://tandem.example.com login --username alice',
        '  tandem login --username ci < password.txt',
      ].join('\n'),
    )
    .action(async (o: { username?: string; name?: string; expiresIn?: string }, cmd: Command) => {
      const globals = globalsOf(cmd);
      const server = serverOf(cmd);
      let username = o.username;
      if (username === undefined) {
        if (!process.stdin.isTTY)
          throw usageError('--username is needed when the password comes from standard input');
        username = (await readLine(process.stdin, 'username: ', false)).trim();
      }
      const password = await readPassword({ prompt: `password for ${username}: ` });
      const body = await new ApiClient(server, undefined)
        .request('POST', '/api/v1/auth/tokens', {
          body: {
            username,
            password,
            name: o.name ?? `cli@${hostname()}`,
            ...(o.expiresIn === undefined ? {} : { expires_in: o.expiresIn }),
          },
        })
        .then(
          (r) => r.body,
          (err: unknown) => {
            // Without the generic hint to log in: this is the login.
            if (err instanceof CliError && err.code === 'unauthorized')
              throw new CliError(WRONG_PASSWORD, ExitCode.auth, { code: err.code });
            throw err;
          },
        );
      const t = body as IssuedToken;
      const path = await saveCredential(server, {
        token: t.token,
        token_id: t.id,
        username: t.user,
        expires_at: t.expires_at,
        saved_at: new Date().toISOString(),
      });
      const { token: _secret, ...shown } = t;
      if (globals.json) return printJson({ ...shown, server, saved_in: path });
      print(
        `signed in to ${server} as ${t.user} (scope ${scopeText(t.scope)}, until ${formatDateTime(t.expires_at)}); token saved in ${path}`,
      );
    });

  program
    .command('logout')
    .description('revoke the token saved by "tandem login" for this server, and forget it')
    .action(async (_o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      const server = serverOf(cmd);
      const saved = await removeCredential(server);
      if (!saved) {
        if (globals.json) return printJson({ server, signed_out: false });
        return print(`not signed in to ${server}`);
      }
      let revoked = true;
      try {
        await new ApiClient(server, saved.token).request(
          'DELETE',
          `/api/v1/tokens/${encodeURIComponent(saved.token_id)}`,
        );
      } catch {
        // Expired, revoked already, or the server is away: forgetting it here is what matters.
        revoked = false;
      }
      if (globals.json) return printJson({ server, signed_out: true, revoked });
      print(
        `signed out of ${server}${revoked ? '' : ' (the server did not revoke the token; it may have expired)'}`,
      );
    });
}
