/** `tandem slo apply|list|show|rm`: service level objectives and their state now. */
import type { Command } from 'commander';
import { clientFrom, globalsOf } from './client.ts';
import { print, printJson, table } from './output.ts';
import { applyDocuments } from './rule.ts';

export interface FiguresView {
  good: number;
  total: number;
  sli_percent: number | null;
  objective_percent: number | null;
  error_budget_remaining_percent: number | null;
  met: boolean | null;
}

interface IndicatorView {
  kind: string;
  objective_percent: number;
  state: string;
  error: string | null;
  window?: FiguresView;
  burn_rate_1h?: number | null;
  burn_rate_6h?: number | null;
}

interface SloView {
  name: string;
  service: string;
  objective_percent: number;
  window: string;
  indicators: IndicatorView[] | null;
}

/** `99.95%`, or `-` without data. */
export const percent = (v: number | null | undefined): string =>
  v === null || v === undefined ? '-' : `${v}%`;
const rate = (v: number | null | undefined): string => (v === null || v === undefined ? '-' : v.toFixed(2));

function indicatorRows(s: SloView): unknown[][] {
  return (s.indicators ?? []).map((i) => [
    s.name,
    s.service,
    i.kind,
    percent(i.objective_percent),
    s.window,
    i.state,
    percent(i.window?.sli_percent),
    percent(i.window?.error_budget_remaining_percent),
    rate(i.burn_rate_1h),
    rate(i.burn_rate_6h),
    i.error ?? '',
  ]);
}

const HEADERS = [
  'NAME',
  'SERVICE',
  'INDICATOR',
  'OBJECTIVE',
  'WINDOW',
  'STATE',
  'SLI',
  'BUDGET LEFT',
  'BURN 1H',
  'BURN 6H',
  'ERROR',
];

export function registerSlo(program: Command): void {
  const slo = program
    .command('slo')
    .description('service level objectives: availability from probes, latency from Prometheus');

  slo
    .command('apply')
    .description('store SLOs (kind: SLO) on the server; an unchanged file keeps its version')
    .argument('<file...>', 'SLO YAML files')
    .action(async (files: string[], _o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      await applyDocuments(clientFrom(globals), '/api/v1/slos', files, globals.json === true, 'SLO');
    });

  slo
    .command('list')
    .description('every SLO with its state now: SLI over the window, error budget left, burn rates')
    .action(async (_o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      const answer = (await clientFrom(globals).get('/api/v1/slos')) as { slos: SloView[] };
      if (globals.json) return printJson(answer);
      if (answer.slos.length === 0) return print('no SLOs');
      print(table(HEADERS, answer.slos.flatMap(indicatorRows)));
    });

  slo
    .command('show')
    .description('an SLO: its state now and its YAML')
    .argument('<name>', 'SLO name')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      const s = (await clientFrom(globals).get(`/api/v1/slos/${encodeURIComponent(name)}`)) as SloView & {
        source: string;
      };
      if (globals.json) return printJson(s);
      print(table(HEADERS, indicatorRows(s)));
      print('');
      print(s.source);
    });

  slo
    .command('rm')
    .description('delete an SLO')
    .argument('<name>', 'SLO name')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      const answer = await clientFrom(globals).request('DELETE', `/api/v1/slos/${encodeURIComponent(name)}`);
      if (globals.json) return printJson(answer.body);
      print(`deleted SLO ${name}`);
    });
}
