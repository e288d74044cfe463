/** `tandem run report RUN` (a run's report) and `tandem report slo` (availability per month and site). */
import { InvalidArgumentError, type Command } from 'commander';
import { clientFrom, globalsOf } from './client.ts';
import { print, printJson, table } from './output.ts';
import { percent, type FiguresView } from './slo.ts';

interface MonthReport {
  name: string;
  service: string;
  month: string;
  indicators: {
    kind: string;
    objective_percent: number;
    error: string | null;
    overall: FiguresView | null;
    sites: (FiguresView & { site: string })[] | null;
  }[];
}

function parseMonth(value: string): string {
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(value))
    throw new InvalidArgumentError('expected a month as YYYY-MM, e.g. 2026-11');
  return value;
}

const met = (m: boolean | null) => (m === null ? 'no data' : m ? 'met' : 'MISSED');

export function monthRows(reports: MonthReport[]): unknown[][] {
  const rows: unknown[][] = [];
  for (const r of reports)
    for (const i of r.indicators) {
      if (i.error !== null || !i.overall) {
        rows.push([
          r.name,
          i.kind,
          'all',
          '-',
          percent(i.objective_percent),
          'error',
          '-',
          '-',
          i.error ?? '',
        ]);
        continue;
      }
      const line = (site: string, f: FiguresView) => [
        r.name,
        i.kind,
        site,
        percent(f.sli_percent),
        percent(i.objective_percent),
        met(f.met),
        percent(f.error_budget_remaining_percent),
        `${f.good}/${f.total}`,
        '',
      ];
      rows.push(line('all', i.overall));
      for (const s of i.sites ?? []) rows.push(line(s.site, s));
    }
  return rows;
}

const HEADERS = [
  'SLO',
  'INDICATOR',
  'SITE',
  'SLI',
  'OBJECTIVE',
  'RESULT',
  'BUDGET LEFT',
  'GOOD/TOTAL',
  'ERROR',
];

export function registerReport(program: Command): void {
  const run = program.commands.find((c) => c.name() === 'run') ?? program.command('run');
  run
    .command('report')
    .description(
      "a run's report: timeline, decisions, outputs, logs summary, RTO/RPO (markdown; --json for JSON)",
    )
    .argument('<run-id>', 'run id')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      const client = clientFrom(globals);
      const path = `/api/v1/runs/${encodeURIComponent(id)}/report`;
      if (globals.json) return printJson(await client.get(`${path}?format=json`));
      for await (const chunk of await client.raw(`${path}?format=md`)) process.stdout.write(chunk);
    });

  const report = program.command('report').description('reports over time');
  report
    .command('slo')
    .description('availability of every SLO over a calendar month (UTC), overall and per site')
    .option('--month <YYYY-MM>', 'the month (this month by default)', parseMonth)
    .option('--site <site>', 'one site only')
    .option('--slo <name>', 'one SLO only')
    .action(async (o: { month?: string; site?: string; slo?: string }, cmd: Command) => {
      const globals = globalsOf(cmd);
      const params = new URLSearchParams();
      if (o.month) params.set('month', o.month);
      if (o.site) params.set('site', o.site);
      const query = params.size > 0 ? `?${params.toString()}` : '';
      const client = clientFrom(globals);
      const answer = o.slo
        ? {
            slos: [
              (await client.get(`/api/v1/slos/${encodeURIComponent(o.slo)}/report${query}`)) as MonthReport,
            ],
          }
        : ((await client.get(`/api/v1/reports/slo${query}`)) as { month: string; slos: MonthReport[] });
      if (globals.json) return printJson(answer);
      const month = answer.slos[0]?.month ?? o.month ?? '';
      print(`Availability for ${month}${o.site ? ` at ${o.site}` : ''}`);
      if (answer.slos.length === 0) return print('no SLOs');
      print(table(HEADERS, monthRows(answer.slos)));
    });
}
