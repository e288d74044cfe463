/** `tandem approve`, `tandem reject` and `tandem inbox`: the people's side of a run. */
import type { Command } from 'commander';
import type { TaskView } from './api-types.ts';
import { clientFrom, globalsOf } from './client.ts';
import { print, printJson } from './output.ts';
import { formatInbox } from './run-format.ts';

interface DecisionAnswer {
  task_id: string;
  run_id: string;
  step: string;
  step_status: string;
}

export function registerApprove(program: Command): void {
  for (const decision of ['approve', 'reject'] as const) {
    program
      .command(decision)
      .description(`${decision} an approval task (see "tandem inbox")`)
      .argument('<task-id>', 'task id')
      .option('--comment <text>', 'why, kept with the decision in the run history')
      .action(async (taskId: string, o: { comment?: string }, cmd: Command) => {
        const globals = globalsOf(cmd);
        const body = { decision, ...(o.comment === undefined ? {} : { comment: o.comment }) };
        const answer = (await clientFrom(globals).post(
          `/api/v1/tasks/${encodeURIComponent(taskId)}/decisions`,
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
    .command('inbox')
    .description('tasks waiting for a decision')
    .action(async (_o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      const answer = (await clientFrom(globals).get('/api/v1/inbox')) as { tasks: TaskView[] };
      if (globals.json) return printJson(answer);
      print(answer.tasks.length === 0 ? 'no tasks waiting' : formatInbox(answer.tasks));
    });
}
