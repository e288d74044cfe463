/** `tandem probe apply|list|show|results|delete|matrix`: interval probes and the reachability matrix. */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { clientFrom, globalsOf } from './client.ts';
import { usageError } from './errors.ts';
import { formatDateTime, print, printJson, table } from './output.ts';
import { parsePositiveInt } from './parse-options.ts';

const enc = encodeURIComponent;

interface MatrixAnswer {
  at: string;
  sites: { site: string; status: string; reason: string | null }[];
  services: {
    service: string;
    status: string;
    probes: string[];
    cells: {
      site: string;
      state: string;
      failing: { probe: string; error: string | null }[];
      latency_ms: number | null;
    }[];
  }[];
}

const MARK: Record<string, string> = { ok: 'ok', fail: 'FAIL', stale: 'stale', none: '-' };

/** One row per service, one column per site; then the sites cut off and the services down, in words. */
export function formatMatrix(m: MatrixAnswer): string {
  const sites = m.sites.map((s) => s.site);
  const rows = m.services.map((s) => [
    s.service,
    s.status.toUpperCase(),
    ...sites.map((site) => {
      const c = s.cells.find((x) => x.site === site);
      if (!c) return '';
      return c.state === 'ok' && c.latency_ms !== null ? `ok ${c.latency_ms}ms` : (MARK[c.state] ?? c.state);
    }),
  ]);
  const lines = [table(['SERVICE', 'STATUS', ...sites], rows)];
  const siteLine = m.sites.map((s) => `${s.site}: ${s.status}${s.reason ? ` (${s.reason})` : ''}`).join(', ');
  lines.push('', `sites: ${siteLine || '-'}`);
  for (const s of m.services.filter((x) => x.status === 'down' || x.status === 'partial'))
    for (const c of s.cells.filter((x) => x.state === 'fail'))
      lines.push(`  ${s.service} from ${c.site}: ${c.failing.map((f) => f.error ?? f.probe).join('; ')}`);
  return lines.join('\n');
}

export function registerProbe(program: Command): void {
  const probe = program
    .command('probe')
    .description('interval probes run by site agents, and the reachability matrix');

  probe
    .command('apply')
    .description('apply a probe file (kind: Probe); the same definition again changes nothing')
    .argument(
      '<file>',
      'apiVersion: tandem/v1, kind: Probe, metadata.name, spec (service, sites, interval, http|tcp|dns)',
    )
    .action(async (file: string, _o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      const text = await readFile(file, 'utf8').catch((err: unknown) => {
        throw usageError(`cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
      });
      const { body } = await clientFrom(globals).request('POST', '/api/v1/probes', {
        text: { data: text, contentType: 'application/yaml' },
      });
      if (globals.json) return printJson(body);
      const b = body as { name: string; change: string; version: number };
      print(`probe ${b.name} ${b.change} (version ${b.version})`);
    });

  probe
    .command('list')
    .description('every probe and where it runs')
    .action(async (_o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      const answer = (await clientFrom(globals).get('/api/v1/probes')) as {
        probes: {
          name: string;
          service: string;
          check: { type: string };
          interval_ms: number;
          run_at: string[];
        }[];
      };
      if (globals.json) return printJson(answer);
      print(
        table(
          ['PROBE', 'SERVICE', 'CHECK', 'EVERY', 'SITES'],
          answer.probes.map((p) => [
            p.name,
            p.service,
            p.check.type,
            `${p.interval_ms / 1000}s`,
            p.run_at.join(','),
          ]),
        ),
      );
    });

  probe
    .command('show')
    .description('a probe and its latest result at each site')
    .argument('<name>')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      const p = (await clientFrom(globals).get(`/api/v1/probes/${enc(name)}`)) as {
        name: string;
        service: string;
        sites: string;
        check: unknown;
        interval_ms: number;
        run_at: string[];
        latest: { site: string; at: string; ok: boolean; latency_ms: number | null; error: string | null }[];
      };
      if (globals.json) return printJson(p);
      print(
        [
          `probe    ${p.name}`,
          `service  ${p.service}`,
          `check    ${JSON.stringify(p.check)}`,
          `every    ${p.interval_ms / 1000}s`,
          `sites    ${p.sites || '(all)'} → ${p.run_at.join(', ') || 'none'}`,
          '',
          table(
            ['SITE', 'AT', 'OK', 'LATENCY', 'ERROR'],
            p.latest.map((l) => [
              l.site,
              formatDateTime(l.at),
              l.ok,
              l.latency_ms === null ? '-' : `${l.latency_ms}ms`,
              l.error,
            ]),
          ),
        ].join('\n'),
      );
    });

  probe
    .command('results')
    .description('a probe’s results, newest first')
    .argument('<name>')
    .option('--site <site>')
    .option('--since <duration>', 'e.g. 1h')
    .option('--limit <n>', 'at most this many (default 50)', parsePositiveInt)
    .action(async (name: string, o: { site?: string; since?: string; limit?: number }, cmd: Command) => {
      const globals = globalsOf(cmd);
      const q = new URLSearchParams({ limit: String(o.limit ?? 50) });
      if (o.site !== undefined) q.set('site', o.site);
      if (o.since !== undefined) q.set('since', o.since);
      const answer = (await clientFrom(globals).get(
        `/api/v1/probes/${enc(name)}/results?${q.toString()}`,
      )) as {
        results: { site: string; at: string; ok: boolean; latency_ms: number | null; error: string | null }[];
      };
      if (globals.json) return printJson(answer);
      print(
        table(
          ['AT', 'SITE', 'OK', 'LATENCY', 'ERROR'],
          answer.results.map((r) => [
            formatDateTime(r.at),
            r.site,
            r.ok,
            r.latency_ms === null ? '-' : `${r.latency_ms}ms`,
            r.error,
          ]),
        ),
      );
    });

  probe
    .command('delete')
    .description('delete a probe')
    .argument('<name>')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      await clientFrom(globals).request('DELETE', `/api/v1/probes/${enc(name)}`);
      if (globals.json) return printJson({ deleted: name });
      print(`probe ${name} deleted`);
    });

  probe
    .command('matrix')
    .description('which site reaches which service now: services down, sites cut off')
    .action(async (_o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      const answer = (await clientFrom(globals).get('/api/v1/probes/matrix')) as MatrixAnswer;
      if (globals.json) return printJson(answer);
      print(formatMatrix(answer));
    });
}
