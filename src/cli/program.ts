/** The `tandem` program: global options and one group of commands per file. */
import { Command } from 'commander';
import { VERSION } from '../version.ts';
import { registerAgent, registerSite } from './agent.ts';
import { registerApprove } from './approve.ts';
import { registerAudit } from './audit.ts';
import { DEFAULT_SERVER } from './client.ts';
import { registerRun } from './run.ts';
import { registerRunbook } from './runbook.ts';
import { registerSecret } from './secret.ts';
import { registerServer } from './server.ts';

export function buildProgram(): Command {
  const program = new Command('tandem')
    .description('Tandem: runbooks run as durable, distributed, collaborative workflows')
    // `-V` alone: `--version <n>` belongs to `runbook show` and `run start`.
    .version(VERSION, '-V', 'print the version')
    .option('--server <url>', `the Tandem server (env TANDEM_SERVER, default ${DEFAULT_SERVER})`)
    .option('--token <token>', 'API token (env TANDEM_TOKEN)')
    .option('--json', 'print the JSON answers instead of tables')
    .showHelpAfterError('(add --help for usage)')
    // Throw instead of exiting, so every exit goes through one place with the right code.
    .exitOverride();
  registerServer(program);
  registerRunbook(program);
  registerRun(program);
  registerApprove(program);
  registerSecret(program);
  registerSite(program);
  registerAgent(program);
  registerAudit(program);
  return program;
}
