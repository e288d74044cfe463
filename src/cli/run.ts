/** `tandem run start|show|list|cancel|pause|resume|retry|watch|logs|events`. */
import type { Command } from 'commander';
import type { RunbookDetail, RunDetail, RunStatus, RunSummary } from './api-types.ts';
import { clientFrom, globalsOf, type ApiClient } from './client.ts';
import { print, printJson } from './output.ts';
import { collect, parseList, parsePositiveInt } from './parse-options.ts';
import { showEvents, showLogs, watchRun } from './run-follow.ts';
import { formatRun, formatRunList } from './run-format.ts';

interface StartFlags {
  input?: string[];
  inputsFile?: string;
  version?: number;
  watch?: boolean;
}

interface ListFlags {
  status?: string[];
  runbook?: string;
  limit?: number;
  cursor?: string;
}

const runPath = (id: string) => `/api/v1/runs/${encodeURIComponent(id)}`;

/** The client and `--json` of the command being run. */
function env(cmd: Command): { client: ApiClient; json: boolean } {
  const globals = globalsOf(cmd);
  return { client: clientFrom(globals), json: globals.json === true };
}

export function registerRun(program: Command): void {
  const run = program.command('run').description('start, follow and steer runs');

  run
    .command('start')
    .description('start a run of a runbook and print its id')
    .argument('<runbook>', 'runbook name')
    .option('--input <name=value>', 'an input, read per its declared type (repeatable)', collect)
    .option('--inputs-file <file>', 'inputs from a JSON or YAML object; --input overrides')
    .option('--version <n>', 'a given runbook version instead of the latest', parsePositiveInt)
    .option('--watch', 'then follow the run like "run watch"')
    .action(async (runbook: string, o: StartFlags, cmd: Command) => {
      const { client, json } = env(cmd);
      const inputs = await startInputs(client, runbook, o);
      const body = { runbook, ...(o.version ? { version: o.version } : {}), inputs };
      const started = (await client.post('/api/v1/runs', body)) as RunStatus;
      if (json) print(JSON.stringify(started, null, o.watch ? undefined : 2));
      else print(started.id);
      if (o.watch) await watchRun(client, started.id, json);
    });

  run
    .command('show')
    .description('a run: its status, steps, and the tasks it waits on')
    .argument('<id>', 'run id')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const { client, json } = env(cmd);
      const answer = (await client.get(runPath(id))) as RunDetail;
      if (json) printJson(answer);
      else print(formatRun(answer));
    });

  run
    .command('list')
    .description('runs, newest first')
    .option('--status <statuses>', 'only these statuses, comma-separated (e.g. failed,cancelled)', parseList)
    .option('--runbook <name>', 'only runs of this runbook')
    .option('--limit <n>', 'at most this many (default 50, at most 500)', parsePositiveInt)
    .option('--cursor <cursor>', 'the next page, as the previous page said')
    .action(async (o: ListFlags, cmd: Command) => {
      const { client, json } = env(cmd);
      const query = new URLSearchParams();
      if (o.status && o.status.length > 0) query.set('status', o.status.join(','));
      if (o.runbook) query.set('runbook', o.runbook);
      if (o.limit) query.set('limit', String(o.limit));
      if (o.cursor) query.set('cursor', o.cursor);
      const q = query.size > 0 ? `?${query.toString()}` : '';
      const answer = (await client.get(`/api/v1/runs${q}`)) as {
        runs: RunSummary[];
        next_cursor: string | null;
      };
      if (json) return printJson(answer);
      print(formatRunList(answer.runs));
      if (answer.next_cursor) process.stderr.write(`more: --cursor ${answer.next_cursor}\n`);
    });

  const actions = {
    cancel: 'cancel a run (--compensate runs the compensation steps of what succeeded)',
    pause: 'pause a run: running steps finish, no new step starts',
    resume: 'resume a paused run',
    retry: 'retry a failed run from its failed steps',
  } as const;
  for (const [action, description] of Object.entries(actions)) {
    const c = run.command(action).description(description).argument('<id>', 'run id');
    if (action === 'cancel') c.option('--compensate', 'undo what succeeded, through the compensation steps');
    c.action(async (id: string, o: { compensate?: boolean }, cmd: Command) => {
      const { client, json } = env(cmd);
      const answer = (await client.post(
        `${runPath(id)}/${action}`,
        o.compensate ? { compensate: true } : {},
      )) as RunStatus;
      if (json) printJson(answer);
      else print(`run ${answer.id}: ${answer.status}`);
    });
  }

  run
    .command('watch')
    .description('follow a run until it ends (exit 0 if it succeeded, 1 otherwise)')
    .argument('<id>', 'run id')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const { client, json } = env(cmd);
      await watchRun(client, id, json);
    });

  run
    .command('logs')
    .description("the run's step output")
    .argument('<id>', 'run id')
    .option('--step <step>', 'only this step (e.g. deploy, or deploy[2] for a foreach item)')
    .option('-f, --follow', 'keep printing until the run ends')
    .action(async (id: string, o: { step?: string; follow?: boolean }, cmd: Command) => {
      const { client, json } = env(cmd);
      await showLogs(client, id, { ...o, json });
    });

  run
    .command('events')
    .description("the run's history, one event a line")
    .argument('<id>', 'run id')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const { client, json } = env(cmd);
      await showEvents(client, id, json);
    });
}

/** `--inputs-file` then `--input`s; the runbook is fetched only to read the declared input types. */
async function startInputs(
  client: ApiClient,
  runbook: string,
  o: StartFlags,
): Promise<Record<string, unknown>> {
  const { buildInputs, readInputsFile, splitInputFlag } = await import('./inputs.ts');
  const flags = o.input ?? [];
  flags.forEach(splitInputFlag); // a malformed flag is refused before any request
  const fromFile = o.inputsFile ? await readInputsFile(o.inputsFile) : {};
  if (flags.length === 0) return fromFile;
  const path = `/api/v1/runbooks/${encodeURIComponent(runbook)}${o.version ? `/versions/${o.version}` : ''}`;
  const rb = (await client.get(path)) as RunbookDetail;
  return buildInputs(fromFile, flags, rb.inputs);
}
