/** `tandem scaling apply|list|show|decisions|rm`: add instances in another site under load. */
import type { Command } from 'commander';
import { clientFrom, globalsOf } from './client.ts';
import { formatDateTime, print, printJson, table } from './output.ts';
import { parsePositiveInt } from './parse-options.ts';
import { applyDocuments } from './rule.ts';

interface PolicyView {
  name: string;
  version: number;
  enabled: boolean;
  query: string;
  scale_out_above: number;
  scale_in_below: number;
  for: string;
  cooldown: string;
  min: number;
  max: number;
  burst_site: string;
  state: {
    instances: number;
    condition: string | null;
    condition_since: string | null;
    last_value: number | null;
    last_error: string | null;
    last_evaluated_at: string | null;
    pending: { action: string; run_id: string; since: string } | null;
  };
}

interface DecisionView {
  at: string;
  decision: string;
  reason: string | null;
  value: number | null;
  instances: number;
  run_id: string | null;
  details: { error?: string };
}

const measure = (v: number | null) => (v === null ? '-' : String(Math.round(v * 100) / 100));

function stateText(p: PolicyView): string {
  if (!p.enabled) return 'disabled';
  const s = p.state;
  if (s.pending) return `${s.pending.action} running (${s.pending.run_id})`;
  if (s.condition) return `${s.condition} since ${formatDateTime(s.condition_since)}`;
  return s.last_error ? `no data: ${s.last_error}` : 'within band';
}

function printDecisions(decisions: DecisionView[]): void {
  print(
    table(
      ['AT', 'DECISION', 'REASON', 'MEASURE', 'INSTANCES', 'RUN', 'ERROR'],
      decisions.map((d) => [
        formatDateTime(d.at),
        d.decision,
        d.reason ?? '',
        measure(d.value),
        d.instances,
        d.run_id ?? '',
        d.details.error ?? '',
      ]),
    ),
  );
}

export function registerScaling(program: Command): void {
  const scaling = program
    .command('scaling')
    .description('scaling policies: add instances in another site while a Prometheus measure is high');

  scaling
    .command('apply')
    .description('store scaling policies (kind: ScalingPolicy); an unchanged file keeps its version')
    .argument('<file...>', 'policy YAML files')
    .action(async (files: string[], _o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      await applyDocuments(
        clientFrom(globals),
        '/api/v1/scaling',
        files,
        globals.json === true,
        'scaling policy',
      );
    });

  scaling
    .command('list')
    .description('every policy with its extra instances and last measure')
    .action(async (_o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      const answer = (await clientFrom(globals).get('/api/v1/scaling')) as { policies: PolicyView[] };
      if (globals.json) return printJson(answer);
      const rows = answer.policies.map((p) => [
        p.name,
        p.burst_site,
        `${p.state.instances} (${p.min}..${p.max})`,
        measure(p.state.last_value),
        `<${p.scale_in_below} | >${p.scale_out_above}`,
        stateText(p),
      ]);
      print(table(['NAME', 'BURST SITE', 'INSTANCES', 'MEASURE', 'IN | OUT', 'STATE'], rows));
    });

  scaling
    .command('show')
    .description('a policy: state, latest decisions and its YAML')
    .argument('<name>', 'policy name')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      const p = (await clientFrom(globals).get(
        `/api/v1/scaling/${encodeURIComponent(name)}`,
      )) as PolicyView & {
        source: string;
        decisions: DecisionView[];
      };
      if (globals.json) return printJson(p);
      print(
        `# ${p.name} version ${p.version}: ${p.state.instances} extra instance(s) in ${p.burst_site} (${p.min}..${p.max}); ` +
          `measure ${measure(p.state.last_value)} at ${formatDateTime(p.state.last_evaluated_at)}; ${stateText(p)}`,
      );
      print(p.source);
      if (p.decisions.length > 0) printDecisions(p.decisions);
    });

  scaling
    .command('decisions')
    .description("a policy's decisions, newest first")
    .argument('<name>', 'policy name')
    .option('--limit <n>', 'how many', parsePositiveInt, 50)
    .action(async (name: string, o: { limit: number }, cmd: Command) => {
      const globals = globalsOf(cmd);
      const answer = (await clientFrom(globals).get(
        `/api/v1/scaling/${encodeURIComponent(name)}/decisions?limit=${o.limit}`,
      )) as { decisions: DecisionView[] };
      if (globals.json) return printJson(answer);
      printDecisions(answer.decisions);
    });

  scaling
    .command('rm')
    .description('delete a policy (the instances it added stay; its decisions stay)')
    .argument('<name>', 'policy name')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      const answer = await clientFrom(globals).request(
        'DELETE',
        `/api/v1/scaling/${encodeURIComponent(name)}`,
      );
      if (globals.json) return printJson(answer.body);
      print(`deleted scaling policy ${name}`);
    });
}
