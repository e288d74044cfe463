/**
 * `tandem incident list|show|ack|resolve|note|reassign` and `tandem maintenance add|list|rm`.
 */
import type { Command } from 'commander';
import { clientFrom, globalsOf } from './client.ts';
import { usageError } from './errors.ts';
import { formatDateTime, pairs, print, printJson, table } from './output.ts';
import { parsePositiveInt } from './parse-options.ts';

interface IncidentView {
  id: string;
  status: string;
  severity: string;
  title: string;
  site: string | null;
  resource: string | null;
  team: string | null;
  assignee: string | null;
  grouping: string;
  labels: Record<string, string>;
  opened_at: string;
  acknowledged_at: string | null;
  acknowledged_by: string | null;
  resolved_at: string | null;
  resolved_by: string | null;
}

interface IncidentDetail extends IncidentView {
  resources: string[];
  alerts: {
    fingerprint: string;
    status: string;
    severity: string;
    summary: string;
    resource: string | null;
    count: number;
    last_seen_at: string;
  }[];
  timeline: { at: string; type: string; actor: string | null; message: string }[];
  runs: {
    run_id: string;
    rule: string | null;
    runbook: string | null;
    status: string | null;
    linked_at: string;
  }[];
  related: { incidents: IncidentView[]; runs: IncidentDetail['runs'] };
}

interface WindowView {
  id: string;
  reason: string;
  selector: string | null;
  site: string | null;
  starts_at: string | null;
  ends_at: string | null;
  cron: string | null;
  duration_ms: number | null;
  time_zone: string | null;
  active: boolean;
  next_start: string | null;
}

export function formatIncidents(list: IncidentView[]): string {
  if (list.length === 0) return 'no incidents';
  return table(
    ['ID', 'STATUS', 'SEVERITY', 'TITLE', 'RESOURCE', 'SITE', 'TEAM', 'OPENED'],
    list.map((i) => [
      i.id,
      i.status,
      i.severity,
      i.title,
      i.resource,
      i.site,
      i.team,
      formatDateTime(i.opened_at),
    ]),
  );
}

export function formatIncident(i: IncidentDetail): string {
  const lines = [i.title, `  id:        ${i.id}`];
  lines.push(`  status:    ${i.status}   severity: ${i.severity}   grouping: ${i.grouping}`);
  lines.push(`  resource:  ${i.resource ?? '-'}   site: ${i.site ?? '-'}`);
  lines.push(`  team:      ${i.team ?? '-'}   assignee: ${i.assignee ?? '-'}`);
  lines.push(`  labels:    ${pairs(i.labels)}`);
  lines.push(`  opened:    ${formatDateTime(i.opened_at)}`);
  if (i.acknowledged_at)
    lines.push(`  acked:     ${formatDateTime(i.acknowledged_at)} by ${i.acknowledged_by ?? '-'}`);
  if (i.resolved_at) lines.push(`  resolved:  ${formatDateTime(i.resolved_at)} by ${i.resolved_by ?? '-'}`);
  if (i.alerts.length > 0) {
    lines.push('alerts:');
    for (const a of i.alerts)
      lines.push(
        `  ${a.status.padEnd(8)} ${a.severity.padEnd(8)} ${a.summary} (${a.resource ?? 'no resource'}, ×${a.count})`,
      );
  }
  lines.push('timeline:');
  for (const t of i.timeline) lines.push(`  ${formatDateTime(t.at)}  ${t.type.padEnd(22)} ${t.message}`);
  if (i.runs.length > 0) {
    lines.push('runs:');
    for (const r of i.runs)
      lines.push(`  ${r.run_id} ${r.runbook ?? '-'} ${r.status ?? '-'}${r.rule ? ` (rule ${r.rule})` : ''}`);
  }
  if (i.related.incidents.length > 0) {
    lines.push('before, on the same resources:');
    for (const p of i.related.incidents)
      lines.push(`  ${formatDateTime(p.opened_at)}  ${p.status.padEnd(12)} ${p.title} (${p.id})`);
    for (const r of i.related.runs) lines.push(`  run ${r.run_id} ${r.runbook ?? '-'} ${r.status ?? '-'}`);
  }
  return lines.join('\n');
}

const incidentPath = (id: string, rest = '') => `/api/v1/incidents/${encodeURIComponent(id)}${rest}`;

export function registerIncident(program: Command): void {
  const incident = program.command('incident').description('incidents: alerts grouped for people to handle');

  incident
    .command('list')
    .description('incidents, newest first (default: the open ones)')
    .option('--status <status>', 'open, triggered, acknowledged, resolved or all', 'open')
    .option('--site <site>', 'only of this site')
    .option('--team <team>', 'only assigned to this team')
    .option('--resource <kind/name>', 'only about this resource')
    .option('--limit <n>', 'how many (default 50)', parsePositiveInt)
    .action(
      async (
        o: { status: string; site?: string; team?: string; resource?: string; limit?: number },
        cmd: Command,
      ) => {
        const globals = globalsOf(cmd);
        const q = new URLSearchParams({ limit: String(o.limit ?? 50) });
        if (o.status !== 'all') q.set('status', o.status);
        if (o.site) q.set('site', o.site);
        if (o.team) q.set('team', o.team);
        if (o.resource) q.set('resource', o.resource);
        const answer = (await clientFrom(globals).get(`/api/v1/incidents?${q.toString()}`)) as {
          incidents: IncidentView[];
        };
        if (globals.json) return printJson(answer);
        print(formatIncidents(answer.incidents));
      },
    );

  incident
    .command('show')
    .description('an incident: alerts, timeline, linked runs, and what happened before on its resources')
    .argument('<id>', 'incident id')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      const answer = (await clientFrom(globals).get(incidentPath(id))) as IncidentDetail;
      if (globals.json) return printJson(answer);
      print(formatIncident(answer));
    });

  incident
    .command('ack')
    .description('acknowledge: you are on it (escalation stops)')
    .argument('<id>', 'incident id')
    .option('--note <text>', 'a note for the timeline')
    .action(async (id: string, o: { note?: string }, cmd: Command) => {
      const globals = globalsOf(cmd);
      const answer = (await clientFrom(globals).post(
        incidentPath(id, '/ack'),
        o.note ? { note: o.note } : {},
      )) as IncidentView;
      if (globals.json) return printJson(answer);
      print(`incident ${answer.id} acknowledged by ${answer.acknowledged_by ?? '-'}`);
    });

  incident
    .command('resolve')
    .description('resolve: it is over')
    .argument('<id>', 'incident id')
    .option('--reason <text>', 'why, for the timeline')
    .action(async (id: string, o: { reason?: string }, cmd: Command) => {
      const globals = globalsOf(cmd);
      const answer = (await clientFrom(globals).post(
        incidentPath(id, '/resolve'),
        o.reason ? { reason: o.reason } : {},
      )) as IncidentView;
      if (globals.json) return printJson(answer);
      print(`incident ${answer.id} resolved by ${answer.resolved_by ?? '-'}`);
    });

  incident
    .command('note')
    .description('add a note to the timeline')
    .argument('<id>', 'incident id')
    .argument('<text...>', 'the note')
    .action(async (id: string, text: string[], _o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      const answer = await clientFrom(globals).post(incidentPath(id, '/notes'), { text: text.join(' ') });
      if (globals.json) return printJson(answer);
      print(`note added to incident ${id}`);
    });

  incident
    .command('reassign')
    .description('give the incident to a team and/or a person ("-" takes it away)')
    .argument('<id>', 'incident id')
    .option('--team <team>', 'the team')
    .option('--assignee <user>', 'the person')
    .action(async (id: string, o: { team?: string; assignee?: string }, cmd: Command) => {
      if (o.team === undefined && o.assignee === undefined)
        throw usageError('give --team, --assignee or both');
      const globals = globalsOf(cmd);
      const value = (v: string) => (v === '-' ? null : v);
      const body = {
        ...(o.team === undefined ? {} : { team: value(o.team) }),
        ...(o.assignee === undefined ? {} : { assignee: value(o.assignee) }),
      };
      const answer = (await clientFrom(globals).post(incidentPath(id, '/reassign'), body)) as IncidentView;
      if (globals.json) return printJson(answer);
      print(`incident ${answer.id}: team ${answer.team ?? '-'}, assignee ${answer.assignee ?? '-'}`);
    });
}

interface MaintenanceAddOptions {
  reason: string;
  selector?: string;
  site?: string;
  all?: boolean;
  start?: string;
  end?: string;
  cron?: string;
  duration?: string;
  timeZone?: string;
}

/** The body of `POST /api/v1/maintenance-windows` for the flags. */
export function maintenanceBody(o: MaintenanceAddOptions): Record<string, unknown> {
  if (o.selector === undefined && o.site === undefined && !o.all)
    throw usageError('say what the window covers: --selector, --site, or --all for every alert');
  if (o.cron === undefined && (o.start === undefined || o.end === undefined))
    throw usageError('a one-off window needs --start and --end; a recurring one --cron and --duration');
  if (o.cron !== undefined && o.duration === undefined) throw usageError('--cron needs --duration (e.g. 2h)');
  return {
    reason: o.reason,
    ...(o.selector === undefined ? {} : { selector: o.selector }),
    ...(o.site === undefined ? {} : { site: o.site }),
    ...(o.start === undefined ? {} : { starts_at: o.start }),
    ...(o.end === undefined ? {} : { ends_at: o.end }),
    ...(o.cron === undefined ? {} : { cron: o.cron }),
    ...(o.duration === undefined ? {} : { duration: o.duration }),
    ...(o.timeZone === undefined ? {} : { time_zone: o.timeZone }),
  };
}

export function formatWindows(list: WindowView[]): string {
  if (list.length === 0) return 'no maintenance windows';
  return table(
    ['ID', 'ACTIVE', 'COVERS', 'WHEN', 'NEXT', 'REASON'],
    list.map((w) => [
      w.id,
      w.active ? 'yes' : 'no',
      [w.site ? `site=${w.site}` : '', w.selector ?? ''].filter((x) => x !== '').join(' ') || 'everything',
      w.cron
        ? `${w.cron} for ${Math.round((w.duration_ms ?? 0) / 60_000)}m (${w.time_zone ?? 'UTC'})`
        : `${formatDateTime(w.starts_at)} → ${formatDateTime(w.ends_at)}`,
      formatDateTime(w.next_start),
      w.reason,
    ]),
  );
}

export function registerMaintenance(program: Command): void {
  const maintenance = program
    .command('maintenance')
    .description('maintenance windows: alerts they cover are stored but open no incident and notify nobody');

  maintenance
    .command('add')
    .description('add a window, once (--start, --end) or recurring (--cron, --duration, --time-zone)')
    .requiredOption('--reason <text>', 'why (shown on suppressed alerts)')
    .option('--selector <selector>', 'estate selector of the resources covered, e.g. kind=database,env=prod')
    .option('--site <site>', 'only alerts of this site')
    .option('--all', 'every alert')
    .option('--start <time>', 'RFC 3339, e.g. 2026-12-01T22:00:00+08:00')
    .option('--end <time>', 'RFC 3339')
    .option('--cron <cron>', 'recurring: when each occurrence starts, e.g. "0 2 * * sat"')
    .option('--duration <duration>', 'recurring: how long each lasts, e.g. 2h')
    .option('--time-zone <tz>', 'recurring: the cron’s time zone (default UTC)')
    .action(async (o: MaintenanceAddOptions, cmd: Command) => {
      const globals = globalsOf(cmd);
      const answer = (await clientFrom(globals).post(
        '/api/v1/maintenance-windows',
        maintenanceBody(o),
      )) as WindowView;
      if (globals.json) return printJson(answer);
      print(`maintenance window ${answer.id} added${answer.active ? ' (in effect now)' : ''}`);
    });

  maintenance
    .command('list')
    .description('windows not over yet (--all: every one)')
    .option('--all', 'include windows that are over')
    .action(async (o: { all?: boolean }, cmd: Command) => {
      const globals = globalsOf(cmd);
      const answer = (await clientFrom(globals).get(
        `/api/v1/maintenance-windows${o.all ? '?all=true' : ''}`,
      )) as { windows: WindowView[] };
      if (globals.json) return printJson(answer);
      print(formatWindows(answer.windows));
    });

  maintenance
    .command('rm')
    .alias('delete')
    .description('remove a window')
    .argument('<id>', 'window id')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      const { body } = await clientFrom(globals).request(
        'DELETE',
        `/api/v1/maintenance-windows/${encodeURIComponent(id)}`,
      );
      if (globals.json) return printJson(body);
      print(`maintenance window ${id} removed`);
    });
}
