/**
 * `tandem oncall`: schedules (create, list, show, now), overrides, escalation policies, routing
 * rules and incident escalations. Definitions come from flags for the simple cases and from YAML
 * or JSON files (the same fields as the API) for the rest.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { parseDuration } from '../core/runbook/index.ts';
import { clientFrom, globalsOf } from './client.ts';
import { usageError } from './errors.ts';
import { formatDateTime, print, printJson, table } from './output.ts';
import { collect, parseList, parsePositiveInt } from './parse-options.ts';

const enc = encodeURIComponent;

interface NowView {
  schedule: string;
  at: string;
  user: string | null;
  layer: string | null;
  override: string | null;
  shift: { start: string; end: string } | null;
}

interface ScheduleView {
  name: string;
  description?: string;
  time_zone: string;
  layers: {
    name: string;
    users: string[];
    rotation: string;
    start: string;
    handoff: string;
    time_zone?: string;
  }[];
  overrides?: { id: string; user: string; start: string; end: string; reason: string | null }[];
  timeline?: {
    start: string;
    end: string;
    user: string | null;
    layer: string | null;
    override: string | null;
  }[];
}

/** A YAML or JSON file's content. */
async function readDocument(file: string): Promise<Record<string, unknown>> {
  const text = await readFile(file, 'utf8').catch((err: unknown) => {
    throw usageError(`cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
  });
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (err: unknown) {
    throw usageError(`${file}: not YAML or JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw usageError(`${file}: expected a mapping of fields`);
  return value as Record<string, unknown>;
}

/** An RFC 3339 time, or a duration from now (`2h`). */
function timeArg(flag: string, text: string, base = Date.now()): string {
  if (/^(\d+(ms|s|m|h|d))+$/.test(text)) return new Date(base + parseDuration(text)).toISOString();
  if (Number.isNaN(Date.parse(text)))
    throw usageError(`${flag}: "${text}" is neither a time (RFC 3339) nor a duration (2h)`);
  return new Date(Date.parse(text)).toISOString();
}

const who = (n: NowView) =>
  n.user === null
    ? 'nobody'
    : `${n.user}${n.override ? ' (override)' : n.layer ? ` (layer ${n.layer})` : ''}`;

export function formatSchedule(s: ScheduleView): string {
  const lines = [
    `schedule   ${s.name}`,
    `time zone  ${s.time_zone}`,
    ...(s.description ? [`about      ${s.description}`] : []),
    '',
    table(
      ['LAYER', 'USERS', 'ROTATION', 'START', 'HANDOFF', 'TIME ZONE'],
      s.layers.map((l) => [
        l.name,
        l.users.join(','),
        l.rotation,
        l.start,
        l.handoff,
        l.time_zone ?? s.time_zone,
      ]),
    ),
  ];
  if (s.overrides && s.overrides.length > 0)
    lines.push(
      '',
      table(
        ['OVERRIDE', 'USER', 'FROM', 'TO', 'REASON'],
        s.overrides.map((o) => [o.id, o.user, formatDateTime(o.start), formatDateTime(o.end), o.reason]),
      ),
    );
  if (s.timeline)
    lines.push(
      '',
      table(
        ['FROM', 'TO', 'ON CALL', 'BY'],
        s.timeline.map((t) => [
          formatDateTime(t.start),
          formatDateTime(t.end),
          t.user ?? 'nobody',
          t.override ? 'override' : t.layer ? `layer ${t.layer}` : '-',
        ]),
      ),
    );
  return lines.join('\n');
}

function registerSchedule(oncall: Command): void {
  const schedule = oncall
    .command('schedule')
    .description('on-call schedules: layers of rotations in time zones');

  schedule
    .command('create')
    .description('create or replace a schedule, from flags (one layer) or a YAML/JSON file (any layers)')
    .argument('<name>')
    .option(
      '-f, --file <file>',
      'the schedule: time_zone, description, layers[] (name, users, rotation, start, handoff, time_zone, restrictions)',
    )
    .option('--users <users>', 'the rotation, in order (comma-separated usernames)', parseList)
    .option('--rotation <length>', 'how long each is on call: 12h, 1d, 1w…', '1w')
    .option('--start <date>', 'the local date the first shift starts (YYYY-MM-DD; default today)')
    .option('--handoff <time>', 'the local time shifts change (HH:MM)', '09:00')
    .option(
      '--time-zone <zone>',
      'IANA time zone, e.g. Europe/Berlin or Asia/Shanghai',
      Intl.DateTimeFormat().resolvedOptions().timeZone,
    )
    .option('--description <text>')
    .action(
      async (
        name: string,
        o: {
          file?: string;
          users?: string[];
          rotation: string;
          start?: string;
          handoff: string;
          timeZone: string;
          description?: string;
        },
        cmd: Command,
      ) => {
        const globals = globalsOf(cmd);
        let body: Record<string, unknown>;
        if (o.file !== undefined) body = { ...(await readDocument(o.file)), name };
        else {
          if (!o.users || o.users.length === 0)
            throw usageError('give --users (or the whole schedule with --file)');
          body = {
            name,
            time_zone: o.timeZone,
            ...(o.description === undefined ? {} : { description: o.description }),
            layers: [
              {
                name: 'primary',
                users: o.users,
                rotation: o.rotation,
                start: o.start ?? new Date().toISOString().slice(0, 10),
                handoff: o.handoff,
              },
            ],
          };
        }
        const res = await clientFrom(globals).request('POST', '/api/v1/oncall/schedules', { body });
        if (globals.json) return printJson(res.body);
        print(`schedule ${name} ${res.status === 201 ? 'created' : 'updated'}`);
      },
    );

  schedule
    .command('list')
    .description('every schedule, with who is on call now')
    .action(async (_o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      const answer = (await clientFrom(globals).get('/api/v1/oncall/schedules')) as {
        schedules: (ScheduleView & { now: NowView })[];
      };
      if (globals.json) return printJson(answer);
      print(
        table(
          ['SCHEDULE', 'TIME ZONE', 'LAYERS', 'ON CALL NOW', 'UNTIL'],
          answer.schedules.map((s) => [
            s.name,
            s.time_zone,
            s.layers.map((l) => l.name).join(','),
            who(s.now),
            s.now.shift ? formatDateTime(s.now.shift.end) : '-',
          ]),
        ),
      );
    });

  schedule
    .command('show')
    .description('a schedule: layers, overrides, and who is on call over the next days')
    .argument('<name>')
    .option('--days <n>', 'how many days to show (default 7)', parsePositiveInt)
    .option('--from <time>', 'start there instead of now (RFC 3339)')
    .action(async (name: string, o: { days?: number; from?: string }, cmd: Command) => {
      const globals = globalsOf(cmd);
      const q = new URLSearchParams();
      if (o.days !== undefined) q.set('days', String(o.days));
      if (o.from !== undefined) q.set('from', timeArg('--from', o.from));
      const answer = (await clientFrom(globals).get(
        `/api/v1/oncall/schedules/${enc(name)}${q.size > 0 ? `?${q.toString()}` : ''}`,
      )) as ScheduleView;
      if (globals.json) return printJson(answer);
      print(formatSchedule(answer));
    });

  schedule
    .command('now')
    .description('who is on call for a schedule now (or --at a time)')
    .argument('<name>')
    .option('--at <time>', 'an RFC 3339 time, or a duration from now (e.g. 12h)')
    .action(async (name: string, o: { at?: string }, cmd: Command) => {
      const globals = globalsOf(cmd);
      const q = o.at === undefined ? '' : `?at=${enc(timeArg('--at', o.at))}`;
      const answer = (await clientFrom(globals).get(
        `/api/v1/oncall/schedules/${enc(name)}/now${q}`,
      )) as NowView;
      if (globals.json) return printJson(answer);
      print(
        answer.user === null
          ? `nobody is on call for ${name} at ${formatDateTime(answer.at)}`
          : `${who(answer)} is on call for ${name}` +
              (answer.shift ? ` until ${formatDateTime(answer.shift.end)}` : ''),
      );
    });

  schedule
    .command('delete')
    .description('delete a schedule and its overrides')
    .argument('<name>')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      await clientFrom(globals).request('DELETE', `/api/v1/oncall/schedules/${enc(name)}`);
      if (globals.json) return printJson({ deleted: name });
      print(`schedule ${name} deleted`);
    });
}

function registerOverride(oncall: Command): void {
  const override = oncall.command('override').description('a user covering part of a schedule');

  override
    .command('add')
    .description('have a user cover a schedule from a time to a time (over every layer)')
    .argument('<schedule>')
    .requiredOption('--user <username>')
    .option('--from <time>', 'RFC 3339, or a duration from now (default now)')
    .option('--to <time>', 'RFC 3339, or a duration from --from (e.g. 8h)')
    .option('--reason <text>')
    .action(
      async (
        schedule: string,
        o: { user: string; from?: string; to?: string; reason?: string },
        cmd: Command,
      ) => {
        const globals = globalsOf(cmd);
        if (o.to === undefined)
          throw usageError('give --to: when the override ends (a time, or a duration such as 8h)');
        const start = o.from === undefined ? new Date().toISOString() : timeArg('--from', o.from);
        const end = timeArg('--to', o.to, Date.parse(start));
        const { body } = await clientFrom(globals).request(
          'POST',
          `/api/v1/oncall/schedules/${enc(schedule)}/overrides`,
          {
            body: { user: o.user, start, end, ...(o.reason === undefined ? {} : { reason: o.reason }) },
          },
        );
        if (globals.json) return printJson(body);
        const b = body as { id: string };
        print(
          `${o.user} covers ${schedule} from ${formatDateTime(start)} to ${formatDateTime(end)} (override ${b.id})`,
        );
      },
    );

  override
    .command('list')
    .description('overrides of a schedule that have not ended')
    .argument('<schedule>')
    .action(async (schedule: string, _o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      const answer = (await clientFrom(globals).get(
        `/api/v1/oncall/schedules/${enc(schedule)}/overrides`,
      )) as {
        overrides: { id: string; user: string; start: string; end: string; reason: string | null }[];
      };
      if (globals.json) return printJson(answer);
      print(
        table(
          ['OVERRIDE', 'USER', 'FROM', 'TO', 'REASON'],
          answer.overrides.map((x) => [
            x.id,
            x.user,
            formatDateTime(x.start),
            formatDateTime(x.end),
            x.reason,
          ]),
        ),
      );
    });

  override
    .command('remove')
    .description('remove an override')
    .argument('<schedule>')
    .argument('<id>')
    .action(async (schedule: string, id: string, _o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      await clientFrom(globals).request(
        'DELETE',
        `/api/v1/oncall/schedules/${enc(schedule)}/overrides/${enc(id)}`,
      );
      if (globals.json) return printJson({ removed: id });
      print(`override ${id} removed`);
    });
}

function registerPolicy(oncall: Command): void {
  const policy = oncall.command('policy').description('escalation policies: levels of targets with timeouts');

  policy
    .command('apply')
    .description('create or replace an escalation policy from a YAML/JSON file')
    .argument('<file>', 'name, description, repeat, levels[] (targets: [{schedule|team|user}], timeout)')
    .action(async (file: string, _o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      const res = await clientFrom(globals).request('POST', '/api/v1/oncall/escalation-policies', {
        body: await readDocument(file),
      });
      if (globals.json) return printJson(res.body);
      print(
        `escalation policy ${(res.body as { name: string }).name} ${res.status === 201 ? 'created' : 'updated'}`,
      );
    });

  policy
    .command('list')
    .description('every escalation policy')
    .action(async (_o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      const answer = (await clientFrom(globals).get('/api/v1/oncall/escalation-policies')) as {
        policies: {
          name: string;
          repeat: number;
          levels: { targets: Record<string, string>[]; timeout: string }[];
        }[];
      };
      if (globals.json) return printJson(answer);
      print(
        table(
          ['POLICY', 'LEVELS', 'REPEAT'],
          answer.policies.map((p) => [
            p.name,
            p.levels
              .map(
                (l, i) =>
                  `${i + 1}: ${l.targets.map((t) => Object.entries(t)[0]!.join(' ')).join(', ')} (${l.timeout})`,
              )
              .join('; '),
            p.repeat,
          ]),
        ),
      );
    });

  policy
    .command('delete')
    .description('delete an escalation policy')
    .argument('<name>')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      await clientFrom(globals).request('DELETE', `/api/v1/oncall/escalation-policies/${enc(name)}`);
      if (globals.json) return printJson({ deleted: name });
      print(`escalation policy ${name} deleted`);
    });
}

function registerRoute(oncall: Command): void {
  const route = oncall.command('route').description('routing rules: which team and policy an incident gets');

  route
    .command('add')
    .description('create or replace a routing rule (rules are tried by position; the first match wins)')
    .argument('<name>')
    .option(
      '--when <cel>',
      'a CEL condition over incident, event and labels, e.g. \'incident.severity == "critical"\'',
    )
    .option('--label <key=value>', 'a label the incident must have (repeatable)', collect)
    .option('--team <team>')
    .option('--policy <policy>', 'the escalation policy to start')
    .option('--position <n>', 'lower is tried first (default: after the others)', parsePositiveInt)
    .action(
      async (
        name: string,
        o: { when?: string; label?: string[]; team?: string; policy?: string; position?: number },
        cmd: Command,
      ) => {
        const globals = globalsOf(cmd);
        const labels: Record<string, string> = {};
        for (const l of o.label ?? []) {
          const eq = l.indexOf('=');
          if (eq <= 0) throw usageError(`--label ${l}: expected key=value`);
          labels[l.slice(0, eq)] = l.slice(eq + 1);
        }
        const { body } = await clientFrom(globals).request('POST', '/api/v1/oncall/routing-rules', {
          body: {
            name,
            ...(o.when === undefined ? {} : { when: o.when }),
            ...(Object.keys(labels).length === 0 ? {} : { labels }),
            ...(o.team === undefined ? {} : { team: o.team }),
            ...(o.policy === undefined ? {} : { escalation_policy: o.policy }),
            ...(o.position === undefined ? {} : { position: o.position }),
          },
        });
        if (globals.json) return printJson(body);
        print(`routing rule ${name} saved at position ${(body as { position: number }).position}`);
      },
    );

  route
    .command('list')
    .description('routing rules in the order they are tried')
    .action(async (_o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      const answer = (await clientFrom(globals).get('/api/v1/oncall/routing-rules')) as {
        rules: {
          name: string;
          position: number;
          when?: string;
          labels?: Record<string, string>;
          team?: string;
          escalation_policy?: string;
        }[];
      };
      if (globals.json) return printJson(answer);
      print(
        table(
          ['POSITION', 'RULE', 'MATCH', 'TEAM', 'POLICY'],
          answer.rules.map((r) => [
            r.position,
            r.name,
            [
              ...Object.entries(r.labels ?? {}).map(([k, v]) => `${k}=${v}`),
              ...(r.when === undefined ? [] : [r.when]),
            ].join(' && ') || 'everything',
            r.team,
            r.escalation_policy,
          ]),
        ),
      );
    });

  route
    .command('delete')
    .description('delete a routing rule')
    .argument('<name>')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      await clientFrom(globals).request('DELETE', `/api/v1/oncall/routing-rules/${enc(name)}`);
      if (globals.json) return printJson({ deleted: name });
      print(`routing rule ${name} deleted`);
    });
}

export function registerOncall(program: Command): void {
  const oncall = program
    .command('oncall')
    .description('on-call: schedules, overrides, escalation policies and routing of incidents');
  registerSchedule(oncall);
  registerOverride(oncall);
  registerPolicy(oncall);
  registerRoute(oncall);

  oncall
    .command('now')
    .description('who is on call now, for every schedule')
    .action(async (_o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      const answer = (await clientFrom(globals).get('/api/v1/oncall/schedules')) as {
        schedules: { name: string; now: NowView }[];
      };
      if (globals.json) return printJson(answer.schedules.map((s) => s.now));
      print(
        table(
          ['SCHEDULE', 'ON CALL', 'UNTIL'],
          answer.schedules.map((s) => [
            s.name,
            who(s.now),
            s.now.shift ? formatDateTime(s.now.shift.end) : '-',
          ]),
        ),
      );
    });

  const escalation = oncall.command('escalation').description('the escalation of an incident');
  escalation
    .command('show')
    .argument('<incident>')
    .description('where an incident’s escalation stands')
    .action(async (incident: string, _o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      const e = (await clientFrom(globals).get(`/api/v1/oncall/escalations/${enc(incident)}`)) as {
        policy: string;
        level: number;
        round: number;
        status: string;
        due_at: string | null;
        stop_reason: string | null;
      };
      if (globals.json) return printJson(e);
      print(
        [
          `policy  ${e.policy}`,
          `status  ${e.status}${e.stop_reason ? ` (${e.stop_reason})` : ''}`,
          `level   ${e.level}${e.round > 0 ? ` (repeat ${e.round})` : ''}`,
          `next    ${e.due_at ? formatDateTime(e.due_at) : '-'}`,
        ].join('\n'),
      );
    });
  escalation
    .command('stop')
    .argument('<incident>')
    .description('stop an incident’s escalation: nobody more is notified')
    .action(async (incident: string, _o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      const answer = (await clientFrom(globals).post(`/api/v1/oncall/escalations/${enc(incident)}/stop`)) as {
        stopped: boolean;
      };
      if (globals.json) return printJson(answer);
      print(answer.stopped ? `escalation of ${incident} stopped` : `${incident} was not escalating`);
    });
}
