/** `tandem secret set|list|delete`: secret values, written from standard input, never printed. */
import type { Command } from 'commander';
import { clientFrom, globalsOf } from './client.ts';
import { CliError, ExitCode, usageError } from './errors.ts';
import { formatDateTime, print, printJson, table } from './output.ts';

interface SecretSummary {
  name: string;
  site: string;
  key_id: string;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

interface SetAnswer {
  name: string;
  site: string;
  created: boolean;
}

const siteOption = '--site <site>';
const siteHelp = "the site the value is for (default *: every site; a site's own value wins over *)";
const siteText = (site: string) => (site === '*' ? 'every site' : `site ${site}`);

/**
 * The value from standard input: all of it from a pipe or file, less ONE trailing newline (so
 * `echo pw |` and a file ending in a newline give `pw`); one hidden line from a terminal.
 * An empty value is refused: it is a mistake far more often than a secret.
 */
export async function readSecretValue(
  input: NodeJS.ReadStream = process.stdin,
  prompt: (text: string) => void = (t) => process.stderr.write(t),
): Promise<string> {
  const value = input.isTTY ? await readHiddenLine(input, prompt) : stripOneNewline(await readAll(input));
  if (value === '')
    throw usageError('the secret value is empty: pipe it in, e.g. "tandem secret set NAME < file"');
  return value;
}

export function stripOneNewline(text: string): string {
  if (text.endsWith('\r\n')) return text.slice(0, -2);
  return text.endsWith('\n') ? text.slice(0, -1) : text;
}

async function readAll(input: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** One line typed without echo; Ctrl-C or Ctrl-D on an empty line gives up. */
function readHiddenLine(input: NodeJS.ReadStream, prompt: (text: string) => void): Promise<string> {
  prompt('secret value (not shown; Enter to finish): ');
  return new Promise((resolve, reject) => {
    let value = '';
    const done = (err?: Error) => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      prompt('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (data: Buffer) => {
      for (const ch of data.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003' || (ch === '\u0004' && value === ''))
          return done(new CliError('cancelled: no secret set', ExitCode.failed));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, /[\uDC00-\uDFFF]$/.test(value) ? -2 : -1);
        else if (ch >= ' ') value += ch;
      }
    };
    input.setRawMode(true);
    input.on('data', onData);
    input.resume();
  });
}

export function registerSecret(program: Command): void {
  const secret = program
    .command('secret')
    .description('set, list and delete secrets; runbooks use them as ${{ secrets.NAME }}');

  secret
    .command('set')
    .description(
      'set a secret from standard input (a pipe or a file: all of it less one trailing newline; ' +
        'a terminal: one hidden line); the value is never printed',
    )
    .argument('<name>', 'secret name')
    .option(siteOption, siteHelp)
    .addHelpText(
      'after',
      [
        '',
        'One trailing newline (\\n or \\r\\n) of piped input is stripped, so "echo" and files work;',
        'any other newline is kept. Examples:',
        '  tandem secret set pg_password < pg_password.txt',
        '  printf %s "$PW" | tandem secret set pg_password --site paris',
      ].join('\n'),
    )
    .action(async (name: string, o: { site?: string }, cmd: Command) => {
      const globals = globalsOf(cmd);
      const value = await readSecretValue();
      const { body } = await clientFrom(globals).request(
        'PUT',
        `/api/v1/secrets/${encodeURIComponent(name)}`,
        {
          body: { value, ...(o.site === undefined ? {} : { site: o.site }) },
        },
      );
      const answer = body as SetAnswer;
      if (globals.json) return printJson(answer);
      print(`secret ${answer.name} ${answer.created ? 'created' : 'replaced'} for ${siteText(answer.site)}`);
    });

  secret
    .command('list')
    .description('every secret: name, site and times (never the value)')
    .action(async (_o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      const answer = (await clientFrom(globals).get('/api/v1/secrets')) as { secrets: SecretSummary[] };
      if (globals.json) return printJson(answer);
      if (answer.secrets.length === 0) return print('no secrets');
      const rows = answer.secrets.map((s) => [
        s.name,
        s.site,
        formatDateTime(s.updated_at),
        s.created_by,
        s.key_id,
      ]);
      print(table(['NAME', 'SITE', 'UPDATED', 'CREATED BY', 'KEY'], rows));
    });

  secret
    .command('delete')
    .description('delete the value of a secret for one site (default: the one for every site)')
    .argument('<name>', 'secret name')
    .option(siteOption, siteHelp)
    .action(async (name: string, o: { site?: string }, cmd: Command) => {
      const globals = globalsOf(cmd);
      const query = o.site === undefined ? '' : `?site=${encodeURIComponent(o.site)}`;
      const { body } = await clientFrom(globals).request(
        'DELETE',
        `/api/v1/secrets/${encodeURIComponent(name)}${query}`,
      );
      const answer = body as { name: string; site: string };
      if (globals.json) return printJson(answer);
      print(`secret ${answer.name} deleted for ${siteText(answer.site)}`);
    });
}
