/**
 * `tandem events list` (events received) and `tandem events source add|list|rm` (who may send
 * them). A source's token or HMAC secret is printed once, when it is made; one given by the user
 * is read from standard input (`--token-stdin`, `--secret-stdin`), never from a flag.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { clientFrom, globalsOf } from './client.ts';
import { usageError } from './errors.ts';
import { formatDateTime, print, printJson, table } from './output.ts';
import { parsePositiveInt } from './parse-options.ts';
import { readSecretValue } from './secret.ts';

interface SourceView {
  name: string;
  kind: string;
  auth: string;
  signature_header?: string;
  timestamp_header?: string | null;
  auto_resolve: boolean | null;
  path: string;
  created_at: string;
  last_event_at: string | null;
  token?: string;
  secret?: string;
}

interface EventView {
  id: string;
  source: string;
  fingerprint: string;
  status: string;
  severity: string;
  summary: string;
  labels: Record<string, string>;
  resource: string | null;
  site: string | null;
  received_at: string;
  outcome: string;
  incident_id: string | null;
  suppressed_by: string | null;
}

const KINDS = ['alertmanager', 'grafana', 'pagerduty', 'webhook'];

interface AddOptions {
  kind: string;
  hmac?: boolean;
  tokenStdin?: boolean;
  secretStdin?: boolean;
  signatureHeader?: string;
  timestampHeader?: string;
  mapping?: string;
  autoResolve?: boolean;
}

/** The body of `POST /api/v1/events/sources` for the flags (credentials from `readSecret`). */
export async function sourceBody(
  name: string,
  o: AddOptions,
  readSecret: () => Promise<string>,
  readMapping: (file: string) => Promise<string> = (f) => readFile(f, 'utf8'),
): Promise<Record<string, unknown>> {
  if (!KINDS.includes(o.kind)) throw usageError(`--kind: one of ${KINDS.join(', ')}`);
  if (o.tokenStdin && o.hmac)
    throw usageError('--token-stdin is for bearer sources: drop --hmac or use --secret-stdin');
  if ((o.secretStdin || o.signatureHeader || o.timestampHeader) && !o.hmac)
    throw usageError('--secret-stdin, --signature-header and --timestamp-header need --hmac');
  if (o.kind === 'webhook' && o.mapping === undefined)
    throw usageError(
      'a webhook source needs --mapping FILE (YAML or JSON: fingerprint, status, summary… as CEL)',
    );
  if (o.kind !== 'webhook' && o.mapping !== undefined)
    throw usageError(`a ${o.kind} source reads its own format: drop --mapping`);
  let mapping: unknown;
  if (o.mapping !== undefined) {
    const text = await readMapping(o.mapping);
    try {
      mapping = parseYaml(text) as unknown;
    } catch (err: unknown) {
      throw usageError(
        `--mapping ${o.mapping}: not YAML or JSON (${err instanceof Error ? err.message : String(err)})`,
      );
    }
  }
  const credential = o.tokenStdin || o.secretStdin ? await readSecret() : undefined;
  return {
    name,
    kind: o.kind,
    auth: o.hmac ? 'hmac' : 'bearer',
    ...(credential === undefined ? {} : o.hmac ? { secret: credential } : { token: credential }),
    ...(o.signatureHeader ? { signature_header: o.signatureHeader } : {}),
    ...(o.timestampHeader ? { timestamp_header: o.timestampHeader } : {}),
    ...(mapping === undefined ? {} : { mapping }),
    ...(o.autoResolve === undefined ? {} : { auto_resolve: o.autoResolve }),
  };
}

/** What to tell the person who made a source: where senders post, and the credential once. */
export function formatCreatedSource(s: SourceView, server: string): string {
  const lines = [
    `event source ${s.name} created (${s.kind}, ${s.auth})`,
    `  senders post to ${server}${s.path}`,
  ];
  if (s.token !== undefined) {
    lines.push(`  token (shown once; keep it): ${s.token}`);
    if (s.kind === 'pagerduty')
      lines.push('  PagerDuty senders may give it as routing_key instead of a bearer token');
  }
  if (s.secret !== undefined) lines.push(`  HMAC secret (shown once; keep it): ${s.secret}`);
  if (s.auth === 'hmac') lines.push(`  signature header: ${s.signature_header ?? ''}`);
  return lines.join('\n');
}

export function formatEvents(events: EventView[]): string {
  if (events.length === 0) return 'no events';
  return table(
    ['RECEIVED', 'SOURCE', 'STATUS', 'SEVERITY', 'SUMMARY', 'RESOURCE', 'OUTCOME', 'INCIDENT'],
    events.map((e) => [
      formatDateTime(e.received_at),
      e.source,
      e.status,
      e.severity,
      e.summary,
      e.resource,
      e.suppressed_by ? `suppressed (${e.suppressed_by})` : e.outcome,
      e.incident_id,
    ]),
  );
}

export function registerEvents(program: Command): void {
  const events = program.command('events').description('events received from monitoring, and their sources');

  events
    .command('list')
    .description('events received, newest first')
    .option('--source <name>', 'only from this source')
    .option('--incident <id>', 'only those grouped into this incident')
    .option('--fingerprint <fp>', 'only of this alert')
    .option('--status <status>', 'firing, resolved or acknowledged')
    .option('--limit <n>', 'how many (default 50)', parsePositiveInt)
    .action(
      async (
        o: { source?: string; incident?: string; fingerprint?: string; status?: string; limit?: number },
        cmd: Command,
      ) => {
        const globals = globalsOf(cmd);
        const q = new URLSearchParams({ limit: String(o.limit ?? 50) });
        if (o.source) q.set('source', o.source);
        if (o.incident) q.set('incident', o.incident);
        if (o.fingerprint) q.set('fingerprint', o.fingerprint);
        if (o.status) q.set('status', o.status);
        const answer = (await clientFrom(globals).get(`/api/v1/events?${q.toString()}`)) as {
          events: EventView[];
        };
        if (globals.json) return printJson(answer);
        print(formatEvents(answer.events));
      },
    );

  const source = events.command('source').description('add, list and remove event sources');

  source
    .command('add')
    .description('add a source; senders prove themselves with its token or HMAC secret (printed once)')
    .argument('<name>', 'source name: senders post to /api/v1/events/<kind>/<name>')
    .requiredOption('--kind <kind>', KINDS.join(' | '))
    .option('--hmac', 'senders sign the body with HMAC-SHA256 instead of sending a bearer token')
    .option('--token-stdin', 'read the bearer token from standard input (default: a new random one)')
    .option('--secret-stdin', 'read the HMAC secret from standard input (default: a new random one)')
    .option(
      '--signature-header <header>',
      'HMAC: the header carrying the signature (default X-Tandem-Signature)',
    )
    .option('--timestamp-header <header>', 'HMAC: a header with the send time, signed with the body')
    .option('--mapping <file>', 'webhook: YAML or JSON mapping of event fields (CEL over body and alert)')
    .option(
      '--auto-resolve',
      'incidents it opens resolve when all their alerts do (default: the server setting)',
    )
    .option('--no-auto-resolve', 'incidents it opens stay open until someone resolves them')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  tandem events source add prometheus --kind alertmanager',
        '  tandem events source add grafana-prod --kind grafana --hmac --signature-header X-Grafana-Alerting-Signature',
        '  tandem events source add checks --kind webhook --mapping checks-mapping.yaml',
      ].join('\n'),
    )
    .action(async (name: string, o: AddOptions, cmd: Command) => {
      const globals = globalsOf(cmd);
      const client = clientFrom(globals);
      const body = await sourceBody(name, o, () => readSecretValue());
      const answer = (await client.post('/api/v1/events/sources', body)) as SourceView;
      if (globals.json) return printJson(answer);
      print(formatCreatedSource(answer, client.baseUrl));
    });

  source
    .command('list')
    .description('every source: kind, how senders prove themselves, where they post, the last event')
    .action(async (_o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      const answer = (await clientFrom(globals).get('/api/v1/events/sources')) as { sources: SourceView[] };
      if (globals.json) return printJson(answer);
      if (answer.sources.length === 0) return print('no event sources');
      print(
        table(
          ['NAME', 'KIND', 'AUTH', 'AUTO-RESOLVE', 'PATH', 'LAST EVENT'],
          answer.sources.map((s) => [
            s.name,
            s.kind,
            s.auth,
            s.auto_resolve === null ? 'default' : s.auto_resolve ? 'yes' : 'no',
            s.path,
            formatDateTime(s.last_event_at),
          ]),
        ),
      );
    });

  source
    .command('rm')
    .alias('delete')
    .description('remove a source: its sender is refused from then on')
    .argument('<name>', 'source name')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      const { body } = await clientFrom(globals).request(
        'DELETE',
        `/api/v1/events/sources/${encodeURIComponent(name)}`,
      );
      if (globals.json) return printJson(body);
      print(`event source ${name} removed`);
    });
}
