/** `tandem kb search|related`: the knowledge base of run reports and incidents. */
import type { Command } from 'commander';
import { clientFrom, globalsOf } from './client.ts';
import { formatDateTime, print, printJson } from './output.ts';
import { parsePositiveInt } from './parse-options.ts';

interface SearchAnswer {
  mode: string;
  results: {
    kind: string;
    id: string;
    title: string;
    status: string | null;
    at: string;
    resources: string[];
    snippet: string;
    highlights: [number, number][];
  }[];
}

interface RelatedAnswer {
  resources: string[];
  related: {
    kind: string;
    id: string;
    title: string;
    status: string | null;
    at: string;
    resources: string[];
  }[];
}

/** The snippet with its highlights in bold on a terminal, in [brackets] elsewhere. */
export function markSnippet(text: string, highlights: [number, number][], tty: boolean): string {
  const [open, close] = tty ? ['\u001b[1m', '\u001b[22m'] : ['[', ']'];
  let out = '';
  let at = 0;
  for (const [a, b] of [...highlights].sort((x, y) => x[0] - y[0])) {
    if (a < at) continue;
    out += `${text.slice(at, a)}${open}${text.slice(a, b)}${close}`;
    at = b;
  }
  return out + text.slice(at);
}

const colour = () => process.stdout.isTTY && !process.env.NO_COLOR;

export function registerKb(program: Command): void {
  const kb = program.command('kb').description('search run reports and incidents; related history');

  kb.command('search')
    .description('full-text search: words and "phrases" must all appear, -word must not (Chinese works too)')
    .argument('<query...>', 'what to look for')
    .option('--kind <kind>', 'run or incident')
    .option('--limit <n>', 'how many results', parsePositiveInt, 20)
    .action(async (words: string[], o: { kind?: string; limit: number }, cmd: Command) => {
      const globals = globalsOf(cmd);
      const params = new URLSearchParams({ q: words.join(' '), limit: String(o.limit) });
      if (o.kind) params.set('kind', o.kind);
      const answer = (await clientFrom(globals).get(
        `/api/v1/kb/search?${params.toString()}`,
      )) as SearchAnswer;
      if (globals.json) return printJson(answer);
      if (answer.results.length === 0) return print('nothing found');
      const blocks = answer.results.map((r) =>
        [
          `${r.kind} ${r.id}  ${formatDateTime(r.at)}  ${r.title}`,
          ...(r.resources.length > 0 ? [`  resources: ${r.resources.join(', ')}`] : []),
          `  ${markSnippet(r.snippet, r.highlights, colour())}`,
        ].join('\n'),
      );
      print(blocks.join('\n\n'));
    });

  kb.command('related')
    .description('past incidents and runs about the same resources')
    .argument('[resource...]', 'resources as kind/name, e.g. database/pg-sh-1')
    .option('--run <id>', "the resources of this run's inputs")
    .option('--incident <id>', 'the resources of this incident')
    .option('--kind <kind>', 'run or incident')
    .option('--limit <n>', 'how many', parsePositiveInt, 20)
    .action(
      async (
        resources: string[],
        o: { run?: string; incident?: string; kind?: string; limit: number },
        cmd: Command,
      ) => {
        const globals = globalsOf(cmd);
        const params = new URLSearchParams({ limit: String(o.limit) });
        if (resources.length > 0) params.set('resource', resources.join(','));
        if (o.run) params.set('run', o.run);
        if (o.incident) params.set('incident', o.incident);
        if (o.kind) params.set('kind', o.kind);
        const answer = (await clientFrom(globals).get(
          `/api/v1/kb/related?${params.toString()}`,
        )) as RelatedAnswer;
        if (globals.json) return printJson(answer);
        if (answer.related.length === 0)
          return print(`nothing related to ${answer.resources.join(', ') || 'it'}`);
        print(
          answer.related
            .map(
              (r) =>
                `${formatDateTime(r.at)}  ${r.kind} ${r.id}  ${r.title}${r.status ? ` (${r.status})` : ''}  [${r.resources.join(', ')}]`,
            )
            .join('\n'),
        );
      },
    );
}
