/** `tandem schedule apply|list|show|rm|fires`: runbooks started on a cron, in a time zone. */
import type { Command } from 'commander';
import { clientFrom, globalsOf } from './client.ts';
import { formatDateTime, print, printJson, table } from './output.ts';
import { parsePositiveInt } from './parse-options.ts';
import { applyDocuments } from './rule.ts';

interface ScheduleSummary {
  name: string;
  version: number;
  enabled: boolean;
  cron: string;
  timezone: string;
  runbook: string;
  missed: string;
  next_fires: string[];
  updated_at: string;
}

interface FireView {
  fire_time: string;
  decision: string;
  missed: number;
  run_id: string | null;
  error: string | null;
}

function printFires(fires: FireView[]): void {
  print(
    table(
      ['FIRE TIME', 'DECISION', 'MISSED BEFORE', 'RUN', 'ERROR'],
      fires.map((f) => [formatDateTime(f.fire_time), f.decision, f.missed, f.run_id ?? '', f.error ?? '']),
    ),
  );
}

export function registerSchedule(program: Command): void {
  const schedule = program.command('schedule').description('start runbooks on a cron schedule');

  schedule
    .command('apply')
    .description('store schedules (kind: Schedule) on the server; an unchanged file keeps its version')
    .argument('<file...>', 'schedule YAML files')
    .action(async (files: string[], _o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      await applyDocuments(
        clientFrom(globals),
        '/api/v1/schedules',
        files,
        globals.json === true,
        'schedule',
      );
    });

  schedule
    .command('list')
    .description('every schedule with its next fire times')
    .option('--next <n>', 'how many next fire times', parsePositiveInt, 3)
    .action(async (o: { next: number }, cmd: Command) => {
      const globals = globalsOf(cmd);
      const answer = (await clientFrom(globals).get(`/api/v1/schedules?next=${o.next}`)) as {
        schedules: ScheduleSummary[];
      };
      if (globals.json) return printJson(answer);
      const rows = answer.schedules.map((s) => [
        s.name,
        s.enabled ? 'enabled' : 'disabled',
        s.cron,
        s.timezone,
        s.runbook,
        s.next_fires.map((t) => formatDateTime(t)).join(', ') || '-',
      ]);
      print(table(['NAME', 'STATE', 'CRON', 'TIME ZONE', 'RUNBOOK', 'NEXT FIRES'], rows));
    });

  schedule
    .command('show')
    .description('a schedule: next fires, latest fires and its YAML')
    .argument('<name>', 'schedule name')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      const s = (await clientFrom(globals).get(
        `/api/v1/schedules/${encodeURIComponent(name)}`,
      )) as ScheduleSummary & {
        source: string;
        fires: FireView[];
      };
      if (globals.json) return printJson(s);
      print(
        `# ${s.name} version ${s.version} (${s.enabled ? 'enabled' : 'disabled'}; missed fires: ${s.missed})`,
      );
      for (const t of s.next_fires) print(`# next: ${formatDateTime(t)}`);
      print(s.source);
      if (s.fires.length > 0) printFires(s.fires);
    });

  schedule
    .command('fires')
    .description("a schedule's claimed fire times, newest first")
    .argument('<name>', 'schedule name')
    .option('--limit <n>', 'how many', parsePositiveInt, 50)
    .action(async (name: string, o: { limit: number }, cmd: Command) => {
      const globals = globalsOf(cmd);
      const answer = (await clientFrom(globals).get(
        `/api/v1/schedules/${encodeURIComponent(name)}/fires?limit=${o.limit}`,
      )) as { fires: FireView[] };
      if (globals.json) return printJson(answer);
      printFires(answer.fires);
    });

  schedule
    .command('rm')
    .description('delete a schedule (its past fires stay)')
    .argument('<name>', 'schedule name')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      const answer = await clientFrom(globals).request(
        'DELETE',
        `/api/v1/schedules/${encodeURIComponent(name)}`,
      );
      if (globals.json) return printJson(answer.body);
      print(`deleted schedule ${name}`);
    });
}
