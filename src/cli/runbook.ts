/** `tandem runbook validate|apply|list|show`. */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { Applied, RunbookDetail, RunbookSummary } from './api-types.ts';
import { clientFrom, globalsOf, type ApiClient } from './client.ts';
import { CliError, ExitCode, toCliError, usageError } from './errors.ts';
import { formatDateTime, pairs, print, printJson, table } from './output.ts';
import { parsePositiveInt } from './parse-options.ts';

export function registerRunbook(program: Command): void {
  const runbook = program.command('runbook').description('validate, apply and read runbooks');

  runbook
    .command('validate')
    .description('check runbook files locally, without a server (exit 2 if any is invalid)')
    .argument('<file...>', 'runbook YAML files')
    .action(async (files: string[], _o: unknown, cmd: Command) => {
      const { validateFile, formatProblem } = await import('./validate.ts');
      const results = await Promise.all(files.map(validateFile));
      if (globalsOf(cmd).json) printJson({ files: results });
      else
        for (const r of results) {
          if (r.valid) print(`${r.file}: ok (${r.name ?? ''})`);
          for (const p of r.problems) print(formatProblem(r.file, p));
        }
      const invalid = results.filter((r) => !r.valid).length;
      if (invalid > 0)
        throw new CliError(`${invalid} of ${results.length} runbook files are invalid`, ExitCode.usage);
    });

  runbook
    .command('apply')
    .description('store runbooks on the server; an unchanged file keeps its version')
    .argument('<file...>', 'runbook YAML files')
    .action(async (files: string[], _o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      await applyFiles(clientFrom(globals), files, globals.json === true);
    });

  runbook
    .command('list')
    .description('the latest version of every runbook')
    .action(async (_o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      const answer = (await clientFrom(globals).get('/api/v1/runbooks')) as { runbooks: RunbookSummary[] };
      if (globals.json) return printJson(answer);
      const rows = answer.runbooks.map((r) => [
        r.name,
        r.version,
        r.title,
        pairs(r.labels),
        formatDateTime(r.created_at),
      ]);
      print(table(['NAME', 'VERSION', 'TITLE', 'LABELS', 'CREATED'], rows));
    });

  runbook
    .command('show')
    .description('a runbook: its versions and its YAML')
    .argument('<name>', 'runbook name')
    .option('--version <n>', 'a given version instead of the latest', parsePositiveInt)
    .action(async (name: string, o: { version?: number }, cmd: Command) => {
      const globals = globalsOf(cmd);
      const path = `/api/v1/runbooks/${encodeURIComponent(name)}${o.version ? `/versions/${o.version}` : ''}`;
      const rb = (await clientFrom(globals).get(path)) as RunbookDetail;
      if (globals.json) return printJson(rb);
      print(formatRunbookHeader(rb));
      print(rb.source);
    });
}

/** Comment lines above the YAML, so the output stays a valid runbook file. */
export function formatRunbookHeader(rb: RunbookDetail): string {
  const lines = [`# ${rb.name} version ${rb.version}${rb.title ? `: ${rb.title}` : ''}`];
  lines.push(`# created ${formatDateTime(rb.created_at)}`);
  if (rb.versions && rb.versions.length > 0)
    lines.push(`# versions: ${rb.versions.map((v) => v.version).join(', ')}`);
  return lines.join('\n');
}

interface ApplyResult {
  file: string;
  ok: boolean;
  applied?: Applied;
  error?: { code: string | undefined; message: string; details: CliError['details'] };
}

/** Applies each file in turn; a refused file is reported and the next one still goes. */
async function applyFiles(client: ApiClient, files: string[], json: boolean): Promise<void> {
  const { formatProblem } = await import('./validate.ts');
  const results: ApplyResult[] = [];
  let firstFailure: CliError | undefined;
  for (const file of files) {
    try {
      const source = await readRunbookFile(file);
      const answer = await client.request('POST', '/api/v1/runbooks', {
        text: { data: source, contentType: 'application/yaml' },
      });
      const applied = answer.body as Applied;
      results.push({ file, ok: true, applied });
      if (!json)
        print(`${applied.created ? 'applied' : 'unchanged'} ${applied.name} version ${applied.version}`);
    } catch (err: unknown) {
      const e = toCliError(err);
      if (e.exitCode === ExitCode.unreachable) throw e;
      firstFailure ??= e;
      results.push({ file, ok: false, error: { code: e.code, message: e.message, details: e.details } });
      if (!json) {
        process.stderr.write(`${file}: error: ${e.message}\n`);
        for (const d of e.details) process.stderr.write(`${formatProblem(file, d)}\n`);
      }
    }
  }
  if (json) printJson({ results });
  if (firstFailure) {
    const failed = results.filter((r) => !r.ok).length;
    throw new CliError(`${failed} of ${files.length} runbooks not applied`, firstFailure.exitCode);
  }
}

async function readRunbookFile(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err: unknown) {
    throw usageError(`cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
