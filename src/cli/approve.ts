/**
 * `tandem approve`, `tandem reject`, `tandem complete` and `tandem inbox`: the people's side of a
 * run. (`tandem task …` shows, claims, hands on and attaches evidence to tasks.)
 */
import type { Command } from 'commander';
import { buildAnswers, readAnswersFile } from './answers.ts';
import { clientFrom, globalsOf } from './client.ts';
import { print, printJson } from './output.ts';
import { collect } from './parse-options.ts';
import { formatInboxTable, type TaskDetail } from './task-format.ts';

interface DecisionAnswer {
  task_id: string;
  run_id: string;
  step: string;
  step_status: string;
}

export const taskPath = (id: string) => `/api/v1/tasks/${encodeURIComponent(id)}`;

export function registerApprove(program: Command): void {
  for (const decision of ['approve', 'reject'] as const) {
    program
      .command(decision)
      .description(
        decision === 'approve'
          ? 'approve an approval task (see "tandem inbox")'
          : 'reject an approval task, saying why with -m (the run fails)',
      )
      .argument('<task-id>', 'task id')
      .option('-m, --comment <text>', 'why, kept with the decision in the run history')
      .action(async (taskId: string, o: { comment?: string }, cmd: Command) => {
        const globals = globalsOf(cmd);
        const body = { decision, ...(o.comment === undefined ? {} : { comment: o.comment }) };
        const answer = (await clientFrom(globals).post(
          `${taskPath(taskId)}/decisions`,
          body,
        )) as DecisionAnswer;
        if (globals.json) return printJson(answer);
        const verb = decision === 'approve' ? 'approved' : 'rejected';
        print(
          `${verb} task ${answer.task_id}: step ${answer.step} of run ${answer.run_id} is ${answer.step_status}`,
        );
      });
  }

  program
    .command('complete')
    .description('complete a manual task with its form\'s answers (see "tandem task show")')
    .argument('<task-id>', 'task id')
    .option('--set <name=value>', 'an answer, read per the type the form gives it (repeatable)', collect)
    .option('--file <file>', 'answers from a JSON or YAML object; --set overrides')
    .action(async (taskId: string, o: { set?: string[]; file?: string }, cmd: Command) => {
      const globals = globalsOf(cmd);
      const client = clientFrom(globals);
      const fromFile = o.file === undefined ? {} : await readAnswersFile(o.file);
      const sets = o.set ?? [];
      const form = sets.length > 0 ? ((await client.get(taskPath(taskId))) as TaskDetail).form : undefined;
      const outputs = buildAnswers(fromFile, sets, form);
      const answer = (await client.post(`${taskPath(taskId)}/decisions`, { outputs })) as DecisionAnswer;
      if (globals.json) return printJson(answer);
      print(
        `completed task ${answer.task_id}: step ${answer.step} of run ${answer.run_id} is ${answer.step_status}`,
      );
    });

  program
    .command('inbox')
    .description('tasks waiting for you, soonest deadline first')
    .option('--all', 'every open task (admins)')
    .action(async (o: { all?: boolean }, cmd: Command) => {
      const globals = globalsOf(cmd);
      const answer = (await clientFrom(globals).get(`/api/v1/inbox${o.all ? '?all=true' : ''}`)) as {
        tasks: TaskDetail[];
      };
      if (globals.json) return printJson(answer);
      print(answer.tasks.length === 0 ? 'no tasks waiting' : formatInboxTable(answer.tasks));
    });
}
