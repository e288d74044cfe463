/**
 * `tandem server`: the store, engine, embedded agent and HTTP API in this process, until
 * SIGINT or SIGTERM closes them.
 */
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { usageError } from './errors.ts';
import { parsePort } from './parse-options.ts';

/** The runbooks shipped with Tandem, applied at start. */
const EXAMPLES_DIR = fileURLToPath(new URL('../../runbooks/examples', import.meta.url));
/** The runbooks Tandem ships for disaster recovery, scaling and the like (see runbooks/README.md). */
const CATALOG_DIR = fileURLToPath(new URL('../../runbooks/catalog', import.meta.url));

/** How long a stop may take: 10 s, under systemd's and Kubernetes' default 30 s before SIGKILL. */
const CLOSE_GRACE_MS = 10_000;

interface ServerFlags {
  port: number;
  host: string;
  data: string;
  tlsCert?: string;
  tlsKey?: string;
}

export function registerServer(program: Command): void {
  program
    .command('server')
    .description('run the Tandem server (API, engine and the local agent) in this process')
    .option('--port <port>', 'TCP port to listen on', parsePort, 7300)
    .option('--host <host>', 'address to bind; loopback unless you mean to expose it', '127.0.0.1')
    .option(
      '--data <dir>',
      'data folder: the SQLite store (unless DATABASE_URL is set), keys, local state',
      './.tandem',
    )
    .option('--tls-cert <file>', 'serve HTTPS with this certificate (PEM); needs --tls-key')
    .option('--tls-key <file>', 'the private key of --tls-cert (PEM)')
    .action(async (flags: ServerFlags) => {
      if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined))
        throw usageError('--tls-cert and --tls-key go together');
      const tls =
        flags.tlsCert && flags.tlsKey
          ? { cert: await readFile(flags.tlsCert, 'utf8'), key: await readFile(flags.tlsKey, 'utf8') }
          : undefined;
      // Imported here so the other commands do not load the server, its store and its drivers.
      const { startServer } = await import('../server/server.ts');
      const databaseUrl = process.env.DATABASE_URL;
      const server = await startServer({
        port: flags.port,
        host: flags.host,
        dataDir: resolve(flags.data),
        ...(databaseUrl ? { databaseUrl } : {}),
        runbooksDirs: [EXAMPLES_DIR, CATALOG_DIR],
        ...(tls ? { tls } : {}),
      });
      process.stdout.write(`tandem server listening on ${server.url}\n`);
      let stopping = false;
      const stop = (signal: NodeJS.Signals) => {
        if (stopping) {
          process.stderr.write(`${signal} again: exiting without waiting\n`);
          process.exit(130);
        }
        stopping = true;
        process.stderr.write(`${signal}: stopping (again to force)\n`);
        // Open event streams can hold the HTTP server's close; do not hang a service manager.
        const force = setTimeout(() => {
          process.stderr.write(`error: not stopped after ${CLOSE_GRACE_MS / 1000} s; exiting\n`);
          process.exit(1);
        }, CLOSE_GRACE_MS);
        force.unref();
        server.close().then(
          () => process.exit(0),
          (err: unknown) => {
            process.stderr.write(
              `error: while stopping: ${err instanceof Error ? err.message : String(err)}\n`,
            );
            process.exit(1);
          },
        );
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
}
