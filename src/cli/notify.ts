/**
 * `tandem notify channel add|list|rm|test|enable|disable` and `tandem notify deliveries`:
 * notification channels and their outbox. Signing secrets and SMTP passwords are read from
 * standard input (`--secret-stdin`), never from a flag; nothing a channel holds is ever printed.
 */
import type { Command } from 'commander';
import { clientFrom, globalsOf } from './client.ts';
import { CliError, ExitCode, usageError } from './errors.ts';
import { formatDateTime, pairs, print, printJson, table } from './output.ts';
import { collect, parseList, parsePort, parsePositiveInt } from './parse-options.ts';
import { readSecretValue } from './secret.ts';

interface ChannelSummary {
  name: string;
  kind: string;
  events: string[];
  labels: Record<string, string> | null;
  enabled: boolean;
  target: string;
  updated_at: string;
}

interface DeliverySummary {
  id: number;
  channel: string | null;
  topic: string;
  status: string;
  attempts: number;
  next_attempt_at: string | null;
  last_error: string | null;
  created_at: string;
  sent_at: string | null;
}

interface AddOptions {
  kind: string;
  events: string[];
  url?: string;
  secretStdin?: boolean;
  label?: string[];
  disabled?: boolean;
  host?: string;
  port?: number;
  secure?: boolean;
  user?: string;
  from?: string;
  to?: string[];
}

const KINDS = ['slack', 'dingtalk', 'feishu', 'wecom', 'webhook', 'email'];

/** `team=dba` flags as a label map. */
export function parseLabels(flags: string[] | undefined): Record<string, string> | undefined {
  if (!flags || flags.length === 0) return undefined;
  const labels: Record<string, string> = {};
  for (const f of flags) {
    const at = f.indexOf('=');
    if (at <= 0) throw usageError(`--label ${f}: expected key=value, e.g. --label team=dba`);
    labels[f.slice(0, at)] = f.slice(at + 1);
  }
  return labels;
}

/** The channel settings the flags give for `o.kind` (the secret, when asked for, from stdin). */
export async function channelConfig(
  o: AddOptions,
  readSecret: () => Promise<string>,
): Promise<Record<string, unknown>> {
  if (!KINDS.includes(o.kind)) throw usageError(`--kind: one of ${KINDS.join(', ')}`);
  const secret = o.secretStdin ? await readSecret() : undefined;
  if (o.kind === 'email') {
    const missing = (['host', 'from', 'to'] as const).filter((k) => o[k] === undefined);
    if (missing.length > 0)
      throw usageError(`an email channel needs ${missing.map((k) => `--${k}`).join(', ')}`);
    return {
      host: o.host,
      ...(o.port === undefined ? {} : { port: o.port }),
      ...(o.secure ? { secure: true } : {}),
      ...(o.user === undefined ? {} : { user: o.user }),
      ...(secret === undefined ? {} : { password: secret }),
      from: o.from,
      to: o.to,
    };
  }
  if (o.url === undefined) throw usageError(`a ${o.kind} channel needs --url (its incoming-webhook URL)`);
  if (secret !== undefined && (o.kind === 'slack' || o.kind === 'wecom'))
    throw usageError(`${o.kind} webhooks are not signed: drop --secret-stdin`);
  return { url: o.url, ...(secret === undefined ? {} : { secret }) };
}

export function registerNotify(program: Command): void {
  const notify = program
    .command('notify')
    .description('notification channels (chat, webhooks, e-mail) and their outbox');
  const channel = notify.command('channel').description('add, list, test and remove notification channels');

  channel
    .command('add')
    .description('add a channel; its URL and secrets are stored sealed and never shown again')
    .argument('<name>', 'channel name')
    .requiredOption('--kind <kind>', KINDS.join(' | '))
    .requiredOption(
      '--events <topics>',
      'comma-separated: task.created, task.escalated, run.failed, run.succeeded, comment.mentioned',
      parseList,
    )
    .option('--url <url>', 'the incoming-webhook URL (all kinds but email)')
    .option(
      '--secret-stdin',
      'read the signing secret (dingtalk, feishu, webhook) or the SMTP password (email) from standard input',
    )
    .option('--label <key=value>', 'only runs of runbooks with this label (repeatable)', collect)
    .option('--disabled', 'add it switched off')
    .option('--host <host>', 'email: the SMTP server')
    .option('--port <port>', 'email: its port (default 587)', parsePort)
    .option('--secure', 'email: TLS from the first byte (port 465)')
    .option('--user <user>', 'email: the SMTP user')
    .option('--from <address>', 'email: the sender')
    .option('--to <addresses>', 'email: comma-separated recipients', parseList)
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  tandem notify channel add ops-slack --kind slack --url https://hooks.slack.com/services/T/B/X \\',
        '      --events task.created,task.escalated,run.failed',
        '  printf %s "$SEC" | tandem notify channel add dba-ding --kind dingtalk \\',
        '      --url "https://oapi.dingtalk.com/robot/send?access_token=…" --events task.created --label team=dba --secret-stdin',
        '  printf %s "$SMTP_PW" | tandem notify channel add oncall-mail --kind email --host smtp.example.com \\',
        '      --user tandem --from tandem@example.com --to oncall@example.com --events run.failed --secret-stdin',
      ].join('\n'),
    )
    .action(async (name: string, o: AddOptions, cmd: Command) => {
      const globals = globalsOf(cmd);
      const config = await channelConfig(o, () => readSecretValue());
      const labels = parseLabels(o.label);
      const body = {
        name,
        kind: o.kind,
        events: o.events,
        config,
        ...(labels ? { labels } : {}),
        ...(o.disabled ? { enabled: false } : {}),
      };
      const answer = (await clientFrom(globals).post(
        '/api/v1/notifications/channels',
        body,
      )) as ChannelSummary;
      if (globals.json) return printJson(answer);
      print(
        `channel ${answer.name} created: ${answer.kind} to ${answer.target} on ${answer.events.join(', ')}`,
      );
    });

  channel
    .command('list')
    .description('every channel: kind, topics, label filter and where it sends (masked)')
    .action(async (_o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      const answer = (await clientFrom(globals).get('/api/v1/notifications/channels')) as {
        channels: ChannelSummary[];
      };
      if (globals.json) return printJson(answer);
      if (answer.channels.length === 0) return print('no notification channels');
      const rows = answer.channels.map((c) => [
        c.name,
        c.kind,
        c.events.join(','),
        c.labels ? pairs(c.labels) : '-',
        c.enabled ? 'yes' : 'no',
        c.target,
      ]);
      print(table(['NAME', 'KIND', 'EVENTS', 'LABELS', 'ENABLED', 'TARGET'], rows));
    });

  channel
    .command('rm')
    .alias('delete')
    .description('remove a channel (its deliveries still waiting are marked failed)')
    .argument('<name>', 'channel name')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      const { body } = await clientFrom(globals).request(
        'DELETE',
        `/api/v1/notifications/channels/${encodeURIComponent(name)}`,
      );
      if (globals.json) return printJson(body);
      print(`channel ${name} removed`);
    });

  for (const [verb, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const)
    channel
      .command(verb)
      .description(`${verb} a channel`)
      .argument('<name>', 'channel name')
      .action(async (name: string, _o: unknown, cmd: Command) => {
        const globals = globalsOf(cmd);
        const { body } = await clientFrom(globals).request(
          'PATCH',
          `/api/v1/notifications/channels/${encodeURIComponent(name)}`,
          {
            body: { enabled },
          },
        );
        if (globals.json) return printJson(body);
        print(`channel ${name} ${enabled ? 'enabled' : 'disabled'}`);
      });

  channel
    .command('test')
    .description('send a test message through a channel now (exit 1 when it fails)')
    .argument('<name>', 'channel name')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      const answer = (await clientFrom(globals).post(
        `/api/v1/notifications/channels/${encodeURIComponent(name)}/test`,
      )) as {
        ok: boolean;
        error: string | null;
        duration_ms: number;
      };
      if (globals.json) printJson(answer);
      else if (answer.ok) print(`test message sent through ${name} (${answer.duration_ms} ms)`);
      if (!answer.ok)
        throw new CliError(
          `the test message through ${name} failed: ${answer.error ?? 'unknown error'}`,
          ExitCode.failed,
        );
    });

  notify
    .command('deliveries')
    .description('the outbox: recent deliveries, newest first')
    .option('--status <status>', 'pending | sent | failed')
    .option('--channel <name>', 'only this channel')
    .option('--limit <n>', 'how many (default 100)', parsePositiveInt)
    .action(async (o: { status?: string; channel?: string; limit?: number }, cmd: Command) => {
      const globals = globalsOf(cmd);
      const query = new URLSearchParams();
      if (o.status !== undefined) query.set('status', o.status);
      if (o.channel !== undefined) query.set('channel', o.channel);
      if (o.limit !== undefined) query.set('limit', String(o.limit));
      const qs = query.size > 0 ? `?${query.toString()}` : '';
      const answer = (await clientFrom(globals).get(`/api/v1/notifications/deliveries${qs}`)) as {
        deliveries: DeliverySummary[];
      };
      if (globals.json) return printJson(answer);
      if (answer.deliveries.length === 0) return print('no deliveries');
      const rows = answer.deliveries.map((d) => [
        d.id,
        d.channel ?? '(deleted)',
        d.topic,
        d.status,
        d.attempts,
        formatDateTime(d.created_at),
        d.status === 'sent'
          ? formatDateTime(d.sent_at)
          : d.status === 'pending'
            ? `next ${formatDateTime(d.next_attempt_at)}`
            : '-',
        d.last_error,
      ]);
      print(
        table(['ID', 'CHANNEL', 'TOPIC', 'STATUS', 'ATTEMPTS', 'CREATED', 'SENT/NEXT', 'LAST ERROR'], rows),
      );
    });
}
