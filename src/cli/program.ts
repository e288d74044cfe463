/** The `tandem` program: global options and one group of commands per file. */
import { Command } from 'commander';
import { VERSION } from '../version.ts';
import { registerAgent, registerSite } from './agent.ts';
import { registerApprove } from './approve.ts';
import { registerAudit } from './audit.ts';
import { DEFAULT_SERVER } from './client.ts';
import { registerEstate } from './estate.ts';
import { registerEvents } from './events.ts';
import { registerIncident, registerMaintenance } from './incident.ts';
import { registerOncall } from './oncall.ts';
import { registerProbe } from './probe.ts';
import { registerRun } from './run.ts';
import { registerRunComments } from './run-comment.ts';
import { registerTask } from './task.ts';
import { registerRunbook } from './runbook.ts';
import { registerFreeze, registerRule } from './rule.ts';
import { registerSchedule } from './schedule.ts';
import { registerScaling } from './scaling.ts';
import { registerKb } from './kb.ts';
import { registerReport } from './report.ts';
import { registerSlo } from './slo.ts';
import { registerNotify } from './notify.ts';
import { registerSecret } from './secret.ts';
import { registerServer } from './server.ts';
import { registerLogin } from './login.ts';
import { registerTeam } from './team.ts';
import { registerToken } from './token.ts';
import { registerUser } from './user.ts';

export function buildProgram(): Command {
  const program = new Command('tandem')
    .description('Tandem: runbooks run as durable, distributed, collaborative workflows')
    // `-V` alone: `--version <n>` belongs to `runbook show` and `run start`.
    .version(VERSION, '-V', 'print the version')
    .option('--server <url>', `the Tandem server (env TANDEM_SERVER, default ${DEFAULT_SERVER})`)
    .option('--token <token>', 'API token (env TANDEM_TOKEN; default: the one saved by "tandem login")')
    .option('--json', 'print the JSON answers instead of tables')
    .showHelpAfterError('(add --help for usage)')
    // Throw instead of exiting, so every exit goes through one place with the right code.
    .exitOverride();
  registerServer(program);
  registerRunbook(program);
  registerRun(program);
  registerApprove(program);
  registerRunComments(program);
  registerTask(program);
  registerSecret(program);
  registerNotify(program);
  registerSite(program);
  registerAgent(program);
  registerEstate(program);
  registerEvents(program);
  registerIncident(program);
  registerMaintenance(program);
  registerOncall(program);
  registerProbe(program);
  registerRule(program);
  registerSchedule(program);
  registerScaling(program);
  registerKb(program);
  registerSlo(program);
  registerReport(program);
  registerFreeze(program);
  registerAudit(program);
  registerLogin(program);
  registerUser(program);
  registerTeam(program);
  registerToken(program);
  return program;
}
