/** `tandem run comment RUN TEXT` and `tandem run comments RUN`: the discussion beside a run. */
import type { Command } from 'commander';
import { clientFrom, globalsOf } from './client.ts';
import { formatDateTime, print, printJson } from './output.ts';

interface CommentView {
  id: string;
  author: string;
  body: string;
  mentions: string[];
  created_at: string;
}

const commentsPath = (run: string) => `/api/v1/runs/${encodeURIComponent(run)}/comments`;

export function formatComments(comments: CommentView[]): string {
  if (comments.length === 0) return 'no comments';
  return comments
    .map((c) => `${formatDateTime(c.created_at)} ${c.author}:\n${c.body.replace(/^/gm, '  ')}`)
    .join('\n\n');
}

/** Adds `comment` and `comments` to the `run` command group. */
export function registerRunComments(program: Command): void {
  const run = program.commands.find((c) => c.name() === 'run') ?? program.command('run');
  run
    .command('comment')
    .description('comment on a run (markdown); @username mentions notify')
    .argument('<run-id>', 'run id')
    .argument('<text>', 'the comment')
    .action(async (id: string, text: string, _o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      const answer = (await clientFrom(globals).post(commentsPath(id), { body: text })) as CommentView;
      if (globals.json) return printJson(answer);
      const mentioned = answer.mentions.length > 0 ? ` (mentions ${answer.mentions.join(', ')})` : '';
      print(`commented on run ${id}: ${answer.id}${mentioned}`);
    });
  run
    .command('comments')
    .description("a run's comments, oldest first")
    .argument('<run-id>', 'run id')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      const answer = (await clientFrom(globals).get(commentsPath(id))) as { comments: CommentView[] };
      print(globals.json ? JSON.stringify(answer, null, 2) : formatComments(answer.comments));
    });
}
