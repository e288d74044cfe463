/** `tandem audit list|verify|export`: the hash-chained audit trail. */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Command } from 'commander';
import { clientFrom, globalsOf } from './client.ts';
import { CliError, ExitCode } from './errors.ts';
import { formatDateTime, print, printJson, summarize, table } from './output.ts';

interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string;
  source_address: string | null;
  data: unknown;
}

type Verdict =
  | { ok: true; entries: number; head: string }
  | { ok: false; entries: number; broken_at: number; reason: string };

export function registerAudit(program: Command): void {
  const audit = program.command('audit').description('the audit trail: who changed what, hash-chained');

  audit
    .command('list')
    .description('audit entries, oldest first')
    .option('--after <id>', 'entries after this id', '0')
    .option('--limit <n>', 'at most this many', '100')
    .option('--actor <user>', 'only this actor')
    .option('--action <action>', 'only this action, e.g. run.started')
    .option('--target <target>', 'only this target, e.g. run:<id>')
    .action(async (o: Record<string, string | undefined>, cmd: Command) => {
      const globals = globalsOf(cmd);
      const q = new URLSearchParams();
      for (const k of ['after', 'limit', 'actor', 'action', 'target']) if (o[k] !== undefined) q.set(k, o[k]);
      const answer = (await clientFrom(globals).get(`/api/v1/audit?${q.toString()}`)) as {
        entries: AuditEntry[];
      };
      if (globals.json) return printJson(answer);
      if (answer.entries.length === 0) return print('no entries');
      const rows = answer.entries.map((e) => [
        e.id,
        formatDateTime(e.at),
        e.actor,
        e.action,
        e.target,
        e.source_address ?? '',
        summarize(e.data, 60),
      ]);
      print(table(['ID', 'AT', 'ACTOR', 'ACTION', 'TARGET', 'FROM', 'DATA'], rows));
    });

  audit
    .command('verify')
    .description('check the hash chain; exit 1 naming the first entry that was altered or removed')
    .action(async (_o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      const v = (await clientFrom(globals).get('/api/v1/audit/verify')) as Verdict;
      if (globals.json) printJson(v);
      else if (v.ok) print(`audit trail intact: ${v.entries} entries, head ${v.head.slice(0, 16)}…`);
      if (!v.ok)
        throw new CliError(
          `audit trail broken at entry ${v.broken_at}: ${v.reason} (${v.entries} entries before it hold)`,
          ExitCode.failed,
        );
    });

  audit
    .command('export')
    .description('write every entry as JSON lines (to a file with -o, else to standard output)')
    .option('-o, --output <file>', 'write to this file')
    .action(async (o: { output?: string }, cmd: Command) => {
      const globals = globalsOf(cmd);
      const res = await clientFrom(globals).raw('/api/v1/audit/export');
      const out = o.output === undefined ? process.stdout : createWriteStream(o.output, { mode: 0o600 });
      for await (const chunk of res) if (!out.write(chunk)) await once(out, 'drain');
      if (out !== process.stdout) {
        out.end();
        await once(out, 'finish');
      }
    });
}
