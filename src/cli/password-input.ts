/**
 * Reading a password (or a username) for `tandem login`, `user create` and `user passwd`: typed
 * without echo at a terminal, or read from standard input when it is a pipe or a file — never
 * from the command line, where other users see it in the process list and it stays in history.
 */
import { CliError, ExitCode, usageError } from './errors.ts';

const write = (text: string) => process.stderr.write(text);

/** Everything from a pipe, less ONE trailing newline (so `echo pw |` gives `pw`). */
async function readPiped(input: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  const text = Buffer.concat(chunks).toString('utf8');
  return text.replace(/\r?\n$/, '');
}

/** One line typed at the terminal; echoed unless `hidden`. Ctrl-C, or Ctrl-D on an empty line, gives up. */
export function readLine(input: NodeJS.ReadStream, prompt: string, hidden: boolean): Promise<string> {
  write(prompt);
  return new Promise((resolve, reject) => {
    let value = '';
    const done = (err?: Error) => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (data: Buffer) => {
      for (const ch of data.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003' || (ch === '\u0004' && value === ''))
          return done(new CliError('cancelled', ExitCode.failed));
        if (ch === '\u007f' || ch === '\b') {
          const cut = /[\uDC00-\uDFFF]$/.test(value) ? -2 : -1;
          if (!hidden && value !== '') write('\b \b');
          value = value.slice(0, cut);
        } else if (ch >= ' ') {
          value += ch;
          if (!hidden) write(ch);
        }
      }
    };
    input.setRawMode(true);
    input.on('data', onData);
    input.resume();
  });
}

/**
 * A password: from a terminal typed twice when `confirm` (a typo would lock the user out), else
 * all of standard input less one trailing newline. Empty is refused.
 */
export async function readPassword(
  o: { prompt?: string; confirm?: boolean } = {},
  input: NodeJS.ReadStream = process.stdin,
): Promise<string> {
  let password: string;
  if (input.isTTY) {
    password = await readLine(input, o.prompt ?? 'password: ', true);
    if (o.confirm && (await readLine(input, 'again: ', true)) !== password)
      throw usageError('the two passwords differ: nothing changed');
  } else password = await readPiped(input);
  if (password === '')
    throw usageError(
      'the password is empty: type it at the prompt, or pipe it in (e.g. "tandem login --username U < file")',
    );
  return password;
}
