/**
 * `tandem estate apply|list|show|diff|history|delete|import`: what runs where, kept by the server.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { clientFrom, globalsOf, type ApiClient } from './client.ts';
import { CliError, ExitCode, usageError } from './errors.ts';
import { formatDateTime, pairs, print, printJson, table } from './output.ts';
import { parsePositiveInt } from './parse-options.ts';

interface FieldChange {
  field: string;
  before?: unknown;
  after?: unknown;
}

interface ApplyAnswer {
  source: string;
  dry_run: boolean;
  counts: Record<'create' | 'update' | 'delete' | 'unchanged' | 'conflict', number>;
  items: { kind: string; name: string; action: string; changes: FieldChange[]; reason?: string }[];
  skipped?: { name: string; reason: string }[];
  dropped_vars?: string[];
}

interface ResourceView {
  kind: string;
  name: string;
  site: string | null;
  labels: Record<string, string>;
  properties: Record<string, unknown>;
  facts: Record<string, unknown> | null;
  source: string;
  relations: { type: string; kind: string; name: string; exists?: boolean }[];
  incoming?: { type: string; kind: string; name: string }[];
  created_at: string;
  updated_at: string;
}

const value = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

/** `field: before → after`, `field: (unset) → after`, `field: before → (unset)`. */
export function formatChange(c: FieldChange): string {
  const was = Object.hasOwn(c, 'before') ? value(c.before) : '(unset)';
  const now = Object.hasOwn(c, 'after') ? value(c.after) : '(unset)';
  return `${c.field}: ${was} → ${now}`;
}

const PAST: Record<string, string> = {
  create: 'created',
  update: 'updated',
  delete: 'deleted',
  conflict: 'conflict',
  unchanged: 'unchanged',
};

/** One line per change made (or, in a dry run, that would be), then the counts. */
export function formatApply(a: ApplyAnswer): string {
  const lines: string[] = [];
  const verb = (action: string) => (a.dry_run ? `would ${action}` : (PAST[action] ?? action));
  for (const item of a.items) {
    const key = `${item.kind}/${item.name}`;
    if (item.action === 'conflict') lines.push(`conflict ${key}: ${item.reason ?? ''}`);
    else if (item.action === 'update')
      lines.push(`${verb('update')} ${key}: ${item.changes.map((c) => c.field).join(', ')}`);
    else lines.push(`${verb(item.action)} ${key}`);
  }
  for (const s of a.skipped ?? []) lines.push(`skipped ${s.name}: ${s.reason}`);
  if ((a.dropped_vars ?? []).length > 0)
    lines.push(`left out variables that look like credentials: ${a.dropped_vars!.join(', ')}`);
  const c = a.counts;
  const summary = `${c.create} created, ${c.update} updated, ${c.delete} deleted, ${c.unchanged} unchanged`;
  const conflicts = c.conflict > 0 ? `, ${c.conflict} in conflict` : '';
  lines.push(`source ${a.source}: ${summary}${conflicts}${a.dry_run ? ' (dry run: nothing changed)' : ''}`);
  return lines.join('\n');
}

/** `host/web-1` → its kind and name. */
export function parseResourceArg(text: string): { kind: string; name: string } {
  const at = text.indexOf('/');
  if (at <= 0 || at === text.length - 1) throw usageError(`"${text}" is not KIND/NAME, e.g. host/web-1`);
  return { kind: text.slice(0, at), name: text.slice(at + 1) };
}

const resourcePath = (r: { kind: string; name: string }) =>
  `/api/v1/estate/resources/${encodeURIComponent(r.kind)}/${encodeURIComponent(r.name)}`;

function printApply(answer: ApplyAnswer, json: boolean): void {
  if (json) printJson(answer);
  else print(formatApply(answer));
  if (answer.counts.conflict > 0)
    throw new CliError(
      `${answer.counts.conflict} resources belong to other sources and were not applied`,
      ExitCode.conflict,
    );
}

export function formatResource(r: ResourceView): string {
  const lines = [`${r.kind}/${r.name}`];
  lines.push(`  site:     ${r.site ?? '-'}`);
  lines.push(`  source:   ${r.source}`);
  lines.push(`  labels:   ${pairs(r.labels)}`);
  lines.push(`  created:  ${formatDateTime(r.created_at)}   updated: ${formatDateTime(r.updated_at)}`);
  const section = (title: string, record: Record<string, unknown> | null) => {
    const entries = Object.entries(record ?? {});
    if (entries.length === 0) return;
    lines.push(`${title}:`);
    for (const [k, v] of entries) lines.push(`  ${k}: ${value(v)}`);
  };
  section('properties', r.properties);
  section('facts', r.facts);
  if (r.relations.length > 0) {
    lines.push('relations:');
    for (const rel of r.relations)
      lines.push(
        `  ${rel.type} → ${rel.kind}/${rel.name}${rel.exists === false ? ' (not in the estate)' : ''}`,
      );
  }
  if ((r.incoming ?? []).length > 0) {
    lines.push('pointed at by:');
    for (const rel of r.incoming!) lines.push(`  ${rel.kind}/${rel.name} ${rel.type}`);
  }
  return lines.join('\n');
}

async function importWith(client: ApiClient, path: string, body: unknown, json: boolean): Promise<void> {
  printApply((await client.post(path, body)) as ApplyAnswer, json);
}

export function registerEstate(program: Command): void {
  const estate = program
    .command('estate')
    .description('the estate: resources (hosts, services, databases…), their relations and history');

  estate
    .command('apply')
    .description('apply an estate file: its source then holds exactly the resources it lists')
    .argument('<file>', 'a YAML file: apiVersion: tandem/v1, kind: Estate, metadata.source, spec.resources')
    .option('--dry-run', 'say what would change, change nothing')
    .action(async (file: string, o: { dryRun?: boolean }, cmd: Command) => {
      const globals = globalsOf(cmd);
      const text = await readFile(file, 'utf8').catch((err: unknown) => {
        throw usageError(`cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
      });
      const { body } = await clientFrom(globals).request(
        'POST',
        `/api/v1/estate/apply${o.dryRun ? '?dry_run=true' : ''}`,
        { text: { data: text, contentType: 'application/yaml' } },
      );
      printApply(body as ApplyAnswer, globals.json === true);
    });

  estate
    .command('list')
    .description('resources, picked by a selector, in kind and name order')
    .option(
      '-l, --selector <selector>',
      'e.g. "site=idc-sh,kind=database,env in (prod,stage),depends_on(name=pg)"',
    )
    .option('--site <site>', 'only this site')
    .option('--kind <kind>', 'only this kind')
    .option('--source <source>', 'only what this source declared')
    .option('--limit <n>', 'at most this many (default 100)', parsePositiveInt)
    .addHelpText(
      'after',
      [
        '',
        'Selectors: terms separated by commas, all of which must hold:',
        '  role=web  role!=web  env in (prod,stage)  env notin (dev)  tier (is set)  !tier (is not set)',
        '  kind, name, site and source are the resource’s own fields',
        '  depends_on(kind=database)   has a relation to a resource the inner selector picks',
        '  ^runs_on(name=api)          is what such a resource has the relation to',
        '  runs_on=host/web-1          has the relation to that name (kind/ optional)',
      ].join('\n'),
    )
    .action(
      async (
        o: { selector?: string; site?: string; kind?: string; source?: string; limit?: number },
        cmd: Command,
      ) => {
        const globals = globalsOf(cmd);
        const client = clientFrom(globals);
        const want = o.limit ?? 100;
        const resources: ResourceView[] = [];
        let cursor: string | null = null;
        do {
          const q = new URLSearchParams();
          for (const k of ['selector', 'site', 'kind', 'source'] as const)
            if (o[k] !== undefined) q.set(k, o[k]);
          q.set('limit', String(Math.min(want - resources.length, 1000)));
          if (cursor !== null) q.set('cursor', cursor);
          const page = (await client.get(`/api/v1/estate/resources?${q.toString()}`)) as {
            resources: ResourceView[];
            next_cursor: string | null;
          };
          resources.push(...page.resources);
          cursor = page.next_cursor;
        } while (cursor !== null && resources.length < want);
        if (globals.json) return printJson({ resources, next_cursor: cursor });
        if (resources.length === 0) return print('no resources');
        const rows = resources.map((r) => [`${r.kind}/${r.name}`, r.site, pairs(r.labels), r.source]);
        print(table(['RESOURCE', 'SITE', 'LABELS', 'SOURCE'], rows));
        if (cursor !== null) process.stderr.write(`(more than ${want}: raise --limit)\n`);
      },
    );

  estate
    .command('show')
    .description('a resource: labels, properties, facts, and its relations both ways')
    .argument('<resource>', 'KIND/NAME, e.g. host/web-1')
    .action(async (ref: string, _o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      const r = (await clientFrom(globals).get(resourcePath(parseResourceArg(ref)))) as ResourceView;
      if (globals.json) return printJson(r);
      print(formatResource(r));
    });

  estate
    .command('diff')
    .description('what changed in a resource since a time (drift), field by field')
    .argument('<resource>', 'KIND/NAME, e.g. host/web-1')
    .option('--since <when>', 'a duration back from now (24h, 7d) or an RFC 3339 time', '24h')
    .action(async (ref: string, o: { since: string }, cmd: Command) => {
      const globals = globalsOf(cmd);
      const path = `${resourcePath(parseResourceArg(ref))}/diff?since=${encodeURIComponent(o.since)}`;
      const d = (await clientFrom(globals).get(path)) as {
        kind: string;
        name: string;
        since: string;
        exists: boolean;
        created: boolean;
        deleted: boolean;
        changes_count: number;
        changes: FieldChange[];
      };
      if (globals.json) return printJson(d);
      const state = d.deleted ? ' (deleted)' : d.created ? ' (created since)' : '';
      print(`${d.kind}/${d.name} since ${formatDateTime(d.since)}${state}: ${d.changes_count} changes`);
      if (d.changes.length === 0) return print('  no difference');
      for (const c of d.changes) print(`  ${formatChange(c)}`);
    });

  estate
    .command('history')
    .description('every change of a resource since a time, oldest first')
    .argument('<resource>', 'KIND/NAME, e.g. host/web-1')
    .option('--since <when>', 'a duration back from now (24h, 7d) or an RFC 3339 time', '24h')
    .action(async (ref: string, o: { since: string }, cmd: Command) => {
      const globals = globalsOf(cmd);
      const path = `${resourcePath(parseResourceArg(ref))}/history?since=${encodeURIComponent(o.since)}`;
      const h = (await clientFrom(globals).get(path)) as {
        entries: { at: string; actor: string; change: string; changes: FieldChange[] }[];
      };
      if (globals.json) return printJson(h);
      if (h.entries.length === 0) return print('no changes');
      for (const e of h.entries) {
        print(`${formatDateTime(e.at)}  ${e.change} by ${e.actor}`);
        for (const c of e.changes) print(`  ${formatChange(c)}`);
      }
    });

  estate
    .command('delete')
    .description('remove a resource (its source lists it again on its next apply)')
    .argument('<resource>', 'KIND/NAME, e.g. host/web-1')
    .action(async (ref: string, _o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      const r = parseResourceArg(ref);
      const { body } = await clientFrom(globals).request('DELETE', resourcePath(r));
      if (globals.json) return printJson(body);
      print(`deleted ${r.kind}/${r.name}`);
    });

  const imports = estate.command('import').description('import resources from other tools');

  imports
    .command('ansible')
    .description('import an Ansible inventory (INI or YAML) as source ansible:<file name>')
    .argument('<file>', 'the inventory file')
    .option('--format <format>', 'ini or yaml (default: guessed from the file)')
    .option('--site <site>', 'the site of its hosts (a host var tandem_site overrides)')
    .option('--dry-run', 'say what would change, change nothing')
    .action(async (file: string, o: { format?: string; site?: string; dryRun?: boolean }, cmd: Command) => {
      const globals = globalsOf(cmd);
      if (o.format !== undefined && o.format !== 'ini' && o.format !== 'yaml')
        throw usageError('--format: ini or yaml');
      const inventory = await readFile(file, 'utf8').catch((err: unknown) => {
        throw usageError(`cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
      });
      await importWith(
        clientFrom(globals),
        '/api/v1/estate/import/ansible',
        {
          inventory,
          name: basename(file),
          ...(o.format === undefined ? {} : { format: o.format }),
          ...(o.site === undefined ? {} : { site: o.site }),
          dry_run: o.dryRun === true,
        },
        globals.json === true,
      );
    });

  imports
    .command('prometheus')
    .description("import a Prometheus's active targets (the server fetches URL/api/v1/targets)")
    .argument('<url>', 'the Prometheus, e.g. http://prometheus:9090')
    .option('--site <site>', 'the site of its targets (a target label site overrides)')
    .option('--dry-run', 'say what would change, change nothing')
    .action(async (url: string, o: { site?: string; dryRun?: boolean }, cmd: Command) => {
      const globals = globalsOf(cmd);
      await importWith(
        clientFrom(globals),
        '/api/v1/estate/import/prometheus',
        { url, ...(o.site === undefined ? {} : { site: o.site }), dry_run: o.dryRun === true },
        globals.json === true,
      );
    });
}
