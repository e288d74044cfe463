/** `tandem task show|claim|assign|attach|download`: one task, and working on it. */
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { Command } from 'commander';
import { taskPath } from './approve.ts';
import { clientFrom, globalsOf, type ApiClient } from './client.ts';
import { usageError } from './errors.ts';
import { print, printJson } from './output.ts';
import { formatAssignees, formatTaskDetail, type TaskDetail } from './task-format.ts';

function env(cmd: Command): { client: ApiClient; json: boolean } {
  const globals = globalsOf(cmd);
  return { client: clientFrom(globals), json: globals.json === true };
}

/** Content types of common evidence files, by extension; anything else is sent as bytes. */
const TYPES: Record<string, string> = {
  '.txt': 'text/plain',
  '.log': 'text/plain',
  '.json': 'application/json',
  '.yaml': 'application/yaml',
  '.yml': 'application/yaml',
  '.pdf': 'application/pdf',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.csv': 'text/csv',
};

export function registerTask(program: Command): void {
  const task = program.command('task').description('show, claim, hand on and attach evidence to tasks');

  task
    .command('show')
    .description('a task: what it asks, who may act, its form, decisions and attachments')
    .argument('<task-id>', 'task id')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const { client, json } = env(cmd);
      const answer = (await client.get(taskPath(id))) as TaskDetail;
      print(json ? JSON.stringify(answer, null, 2) : formatTaskDetail(answer));
    });

  task
    .command('claim')
    .description('take a manual task: others see you work on it')
    .argument('<task-id>', 'task id')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const { client, json } = env(cmd);
      const answer = (await client.post(`${taskPath(id)}/claim`)) as TaskDetail;
      if (json) return printJson(answer);
      print(`claimed task ${answer.id} (step ${answer.step} of run ${answer.run_id})`);
    });

  task
    .command('assign')
    .description('hand a manual task to a user or a team')
    .argument('<task-id>', 'task id')
    .option('--user <username>', 'the user who takes it')
    .option('--team <team>', 'the team that takes it')
    .action(async (id: string, o: { user?: string; team?: string }, cmd: Command) => {
      if ((o.user === undefined) === (o.team === undefined))
        throw usageError('give exactly one of --user or --team');
      const { client, json } = env(cmd);
      const answer = (await client.post(`${taskPath(id)}/assign`, o)) as TaskDetail;
      if (json) return printJson(answer);
      print(`task ${answer.id} is now for ${formatAssignees(answer.assignees)}`);
    });

  task
    .command('attach')
    .description('attach a file to a manual task as evidence')
    .argument('<task-id>', 'task id')
    .argument('<file>', 'the file to attach')
    .option('--name <name>', 'its name in the task (default: the file name)')
    .option('--type <content-type>', 'its content type (default: from the extension)')
    .action(async (id: string, file: string, o: { name?: string; type?: string }, cmd: Command) => {
      const { client, json } = env(cmd);
      let data: Buffer;
      try {
        data = await readFile(file);
      } catch (err: unknown) {
        throw usageError(`${file}: ${err instanceof Error ? err.message : String(err)}`);
      }
      const name = o.name ?? basename(file);
      const dot = name.lastIndexOf('.');
      const contentType =
        o.type ?? TYPES[dot < 0 ? '' : name.slice(dot).toLowerCase()] ?? 'application/octet-stream';
      const { body } = await client.request(
        'POST',
        `${taskPath(id)}/attachments?name=${encodeURIComponent(name)}`,
        {
          text: { data, contentType },
        },
      );
      if (json) return printJson(body);
      const a = body as { id: string; size: number; sha256: string };
      print(`attached ${name} to task ${id}: ${a.id}, ${a.size} bytes, sha256 ${a.sha256}`);
    });

  task
    .command('download')
    .description("save a task's attachment")
    .argument('<task-id>', 'task id')
    .argument('<attachment-id>', 'attachment id (see "tandem task show")')
    .option('-o, --output <file>', 'where to write it (default: standard output)')
    .action(async (id: string, attachment: string, o: { output?: string }, cmd: Command) => {
      const { client } = env(cmd);
      const bytes = await client.raw(`${taskPath(id)}/attachments/${encodeURIComponent(attachment)}`);
      await pipeline(Readable.from(bytes), o.output ? createWriteStream(o.output) : process.stdout);
    });
}
