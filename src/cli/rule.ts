/** `tandem rule apply|list|show|rm|firings` and `tandem freeze on|off|add|list|rm`. */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { clientFrom, globalsOf, type ApiClient } from './client.ts';
import { CliError, ExitCode, toCliError, usageError } from './errors.ts';
import { formatDateTime, print, printJson, summarize, table } from './output.ts';
import { parsePositiveInt } from './parse-options.ts';

interface AppliedAnswer {
  name: string;
  version: number;
  changed: boolean;
  warnings: string[];
  next_fire_at?: string | null;
}

interface RuleSummary {
  name: string;
  version: number;
  enabled: boolean;
  dry_run: boolean;
  match: string;
  runbook: string;
  updated_at: string;
}

interface FiringView {
  id: string;
  event_id: string;
  incident_id: string | null;
  resource: string | null;
  decision: string;
  reason: string | null;
  run_id: string | null;
  approval: boolean;
  details: { message?: string; error?: string };
  created_at: string;
  run_status: string | null;
}

interface FreezeView {
  id: string;
  reason: string | null;
  starts_at: string;
  ends_at: string | null;
  active: boolean;
  created_by: string | null;
}

async function readDocumentFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err: unknown) {
    throw usageError(`cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * Apply each file to `path` in turn (rules or schedules); a refused file is reported with its
 * problems (`FILE:LINE:COL: …`) and the next one still goes.
 */
export async function applyDocuments(
  client: ApiClient,
  path: string,
  files: string[],
  json: boolean,
  what: string,
): Promise<void> {
  const { formatProblem } = await import('./validate.ts');
  const results: { file: string; ok: boolean; applied?: AppliedAnswer; error?: unknown }[] = [];
  let firstFailure: CliError | undefined;
  for (const file of files) {
    try {
      const source = await readDocumentFile(file);
      const answer = await client.request('POST', path, {
        text: { data: source, contentType: 'application/yaml' },
      });
      const applied = answer.body as AppliedAnswer;
      results.push({ file, ok: true, applied });
      if (!json) {
        const next = applied.next_fire_at ? `; next fire ${formatDateTime(applied.next_fire_at)}` : '';
        print(
          `${applied.changed ? 'applied' : 'unchanged'} ${what} ${applied.name} version ${applied.version}${next}`,
        );
        for (const w of applied.warnings) process.stderr.write(`${file}: warning: ${w}\n`);
      }
    } catch (err: unknown) {
      const e = toCliError(err);
      if (e.exitCode === ExitCode.unreachable) throw e;
      firstFailure ??= e;
      results.push({ file, ok: false, error: { code: e.code, message: e.message, details: e.details } });
      if (!json) {
        process.stderr.write(`${file}: error: ${e.message}\n`);
        for (const d of e.details) process.stderr.write(`${formatProblem(file, d)}\n`);
      }
    }
  }
  if (json) printJson({ results });
  if (firstFailure) {
    const failed = results.filter((r) => !r.ok).length;
    throw new CliError(`${failed} of ${files.length} ${what}s not applied`, firstFailure.exitCode);
  }
}

export function registerRule(program: Command): void {
  const rule = program.command('rule').description('automation rules: start runbooks when events match');

  rule
    .command('apply')
    .description('store rules (kind: Rule) on the server; an unchanged file keeps its version')
    .argument('<file...>', 'rule YAML files')
    .action(async (files: string[], _o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      await applyDocuments(clientFrom(globals), '/api/v1/rules', files, globals.json === true, 'rule');
    });

  rule
    .command('list')
    .description('every rule')
    .action(async (_o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      const answer = (await clientFrom(globals).get('/api/v1/rules')) as { rules: RuleSummary[] };
      if (globals.json) return printJson(answer);
      const mode = (r: RuleSummary) => (!r.enabled ? 'disabled' : r.dry_run ? 'dry run' : 'live');
      const rows = answer.rules.map((r) => [r.name, r.version, mode(r), r.runbook, summarize(r.match, 60)]);
      print(table(['NAME', 'VERSION', 'MODE', 'RUNBOOK', 'MATCH'], rows));
    });

  rule
    .command('show')
    .description('a rule and its YAML')
    .argument('<name>', 'rule name')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      const r = (await clientFrom(globals).get(
        `/api/v1/rules/${encodeURIComponent(name)}`,
      )) as RuleSummary & {
        source: string;
      };
      if (globals.json) return printJson(r);
      print(`# ${r.name} version ${r.version}, updated ${formatDateTime(r.updated_at)}`);
      print(r.source);
    });

  rule
    .command('rm')
    .description('delete a rule (its firings stay)')
    .argument('<name>', 'rule name')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      const answer = await clientFrom(globals).request('DELETE', `/api/v1/rules/${encodeURIComponent(name)}`);
      if (globals.json) return printJson(answer.body);
      print(`deleted rule ${name}`);
    });

  rule
    .command('firings')
    .description("a rule's decisions, newest first: started, skipped (why), dry_run, error")
    .argument('<name>', 'rule name')
    .option('--limit <n>', 'how many', parsePositiveInt, 50)
    .option('--decision <d>', 'only started, skipped, dry_run or error')
    .action(async (name: string, o: { limit: number; decision?: string }, cmd: Command) => {
      const globals = globalsOf(cmd);
      const q = new URLSearchParams({
        limit: String(o.limit),
        ...(o.decision ? { decision: o.decision } : {}),
      });
      const answer = (await clientFrom(globals).get(
        `/api/v1/rules/${encodeURIComponent(name)}/firings?${q.toString()}`,
      )) as { firings: FiringView[] };
      if (globals.json) return printJson(answer);
      const rows = answer.firings.map((f) => [
        formatDateTime(f.created_at),
        f.decision + (f.reason ? ` (${f.reason})` : ''),
        f.resource ?? '',
        f.incident_id ?? '',
        f.run_id ? `${f.run_id}${f.approval ? ' (approval)' : ''}` : '',
        f.run_status ?? '',
        summarize(f.details.message ?? f.details.error ?? '', 60),
      ]);
      print(table(['AT', 'DECISION', 'RESOURCE', 'INCIDENT', 'RUN', 'OUTCOME', 'WHY'], rows));
    });
}

export function registerFreeze(program: Command): void {
  const freeze = program
    .command('freeze')
    .description('change freezes: while one is in effect, rules start no runs');

  const printFreezes = (freezes: FreezeView[]) =>
    print(
      table(
        ['ID', 'STATE', 'FROM', 'UNTIL', 'REASON', 'BY'],
        freezes.map((f) => [
          f.id,
          f.active ? 'active' : 'planned',
          formatDateTime(f.starts_at),
          f.ends_at ? formatDateTime(f.ends_at) : 'lifted by hand',
          f.reason ?? '',
          f.created_by ?? '',
        ]),
      ),
    );

  freeze
    .command('on')
    .description('freeze changes from now')
    .option('--reason <text>', 'why, shown on every skipped rule firing')
    .option('--for <duration>', 'end by itself after this long (e.g. 2h); default: until "freeze off"')
    .action(async (o: { reason?: string; for?: string }, cmd: Command) => {
      const globals = globalsOf(cmd);
      const f = (await clientFrom(globals).post('/api/v1/freezes', {
        ...(o.reason ? { reason: o.reason } : {}),
        ...(o.for ? { ends_at: o.for } : {}),
      })) as FreezeView;
      if (globals.json) return printJson(f);
      print(`change freeze on${f.ends_at ? ` until ${formatDateTime(f.ends_at)}` : ''} (${f.id})`);
    });

  freeze
    .command('off')
    .description('lift every freeze in effect now (planned windows stay)')
    .action(async (_o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      const answer = (await clientFrom(globals).post('/api/v1/freezes/lift')) as { lifted: string[] };
      if (globals.json) return printJson(answer);
      print(
        answer.lifted.length === 0 ? 'no freeze was in effect' : `lifted ${answer.lifted.length} freeze(s)`,
      );
    });

  freeze
    .command('add')
    .description('plan a freeze window')
    .requiredOption('--from <time>', 'start: an RFC 3339 time, or a duration from now')
    .requiredOption('--to <time>', 'end: an RFC 3339 time, or a duration from now')
    .option('--reason <text>', 'why')
    .action(async (o: { from: string; to: string; reason?: string }, cmd: Command) => {
      const globals = globalsOf(cmd);
      const f = (await clientFrom(globals).post('/api/v1/freezes', {
        starts_at: o.from,
        ends_at: o.to,
        ...(o.reason ? { reason: o.reason } : {}),
      })) as FreezeView;
      if (globals.json) return printJson(f);
      print(`freeze ${f.id} from ${formatDateTime(f.starts_at)} until ${formatDateTime(f.ends_at)}`);
    });

  freeze
    .command('list')
    .description('freezes in effect or planned')
    .option('--all', 'past ones too')
    .action(async (o: { all?: boolean }, cmd: Command) => {
      const globals = globalsOf(cmd);
      const answer = (await clientFrom(globals).get(`/api/v1/freezes?all=${o.all === true}`)) as {
        active: boolean;
        freezes: FreezeView[];
      };
      if (globals.json) return printJson(answer);
      print(answer.active ? 'changes are FROZEN now' : 'no freeze in effect now');
      if (answer.freezes.length > 0) printFreezes(answer.freezes);
    });

  freeze
    .command('rm')
    .description('delete a freeze')
    .argument('<id>', 'freeze id')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      const answer = await clientFrom(globals).request('DELETE', `/api/v1/freezes/${encodeURIComponent(id)}`);
      if (globals.json) return printJson(answer.body);
      print(`deleted freeze ${id}`);
    });
}
