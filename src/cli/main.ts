/**
 * The `tandem` command line. Exit codes: 0 ok, 1 the operation failed, 2 usage or invalid
 * input, 3 not found, 4 conflict, 5 not authenticated or not allowed, 6 server unreachable.
 */
import { ExitCode, toCliError } from './errors.ts';
import { printError } from './output.ts';
import { buildProgram } from './program.ts';

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err: unknown) {
    const e = toCliError(err);
    // Commander printed its own usage errors and help already.
    if (e.code === undefined || !e.code.startsWith('commander.')) printError(e);
    process.exitCode = e.exitCode;
  }
}

// Any `tandem` exit path must leave a code; a stray rejection is a failure, not a silent 0.
process.on('unhandledRejection', (err: unknown) => {
  printError(toCliError(err));
  process.exit(ExitCode.failed);
});

// `tandem run watch ID | head`: the reader left, so there is nothing more to do.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? ExitCode.ok);
  throw err;
});

await main(process.argv);
