import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { TandemError } from '../../core/errors.ts';
import { findTask, listDecisions, listOpenTasks } from '../../store/index.ts';
import type { ServerContext } from '../context.ts';
import { taskView } from '../views.ts';

export function taskRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const taskId = z.object({ id: z.string().min(1).max(64) });

  r.get(
    '/api/v1/inbox',
    { config: { access: 'tasks:read' }, schema: { summary: 'Tasks waiting for the caller' } },
    async () => {
      const tasks = await listOpenTasks(ctx.store.db);
      return {
        tasks: await Promise.all(
          tasks.map(async (t) => taskView(t, await listDecisions(ctx.store.db, t.id))),
        ),
      };
    },
  );

  r.get(
    '/api/v1/tasks/:id',
    { config: { access: 'tasks:read' }, schema: { summary: 'A task with its decisions', params: taskId } },
    async (req) => {
      const task = await findTask(ctx.store.db, req.params.id);
      if (!task) throw new TandemError('not_found', `task ${req.params.id} does not exist`);
      return taskView(task, await listDecisions(ctx.store.db, task.id));
    },
  );

  r.post(
    '/api/v1/tasks/:id/decisions',
    {
      config: { access: 'tasks:decide' },
      schema: {
        summary: 'Approve or reject an approval task',
        params: taskId,
        body: z.strictObject({
          decision: z.enum(['approve', 'reject']),
          comment: z.string().max(10_000).optional(),
        }),
      },
    },
    async (req, reply) => {
      const res = await ctx.engine.decide(
        req.params.id,
        req.caller!.subject,
        req.body.decision,
        req.body.comment ?? null,
      );
      return reply
        .code(201)
        .send({ task_id: req.params.id, run_id: res.runId, step: res.step, step_status: res.stepStatus });
    },
  );
}
