/**
 * Tasks: the inbox, one task with its decisions and attachments, and what people do with tasks —
 * decide on an approval, complete a manual task, claim it, hand it on, attach evidence.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { can, isAdmin, runScope } from '../../core/access/index.ts';
import type { RunState } from '../../core/engine/index.ts';
import { TandemError } from '../../core/errors.ts';
import type { TaskAccountable } from '../../engine/task-actions.ts';
import {
  findRunbook,
  findTask,
  listAttachments,
  listDecisions,
  listOpenTasksWithRuns,
  runbookDefinition,
  tasksDecidedBy,
  type TaskRow,
} from '../../store/index.ts';
import { callerOf, requireAccess } from '../access.ts';
import type { ServerContext } from '../context.ts';
import { assigneesOf, authorizeTask, namedAssignee, taskPermission } from '../task-access.ts';
import { attachmentView, taskView } from '../views.ts';
import { attachmentRoutes } from './attachments.ts';

export const taskIdParams = z.object({ id: z.string().min(1).max(64) });

const answers = z.record(z.string(), z.unknown()).describe("The form's answers (a manual task)");

/** A task and its run, for a request that reads it: 404 when either is missing. */
export async function loadTask(ctx: ServerContext, id: string): Promise<{ task: TaskRow; run: RunState }> {
  const task = await findTask(ctx.store.db, id);
  if (!task) throw new TandemError('not_found', `task ${id} does not exist`);
  const run = await ctx.engine.getRun(task.run_id);
  if (!run) throw new TandemError('not_found', `run ${task.run_id} of task ${id} does not exist`);
  return { task, run };
}

/** Reading a task needs a grant covering its run (its sites and runbook labels). */
export async function readableTask(ctx: ServerContext, req: FastifyRequest, id: string) {
  const loaded = await loadTask(ctx, id);
  requireAccess(req, 'tasks:read', runScope(loaded.run.runbook, loaded.run.inputs), `task ${id}`);
  return loaded;
}

/** How the engine checks and records the caller's act on a task. */
export function accountable(req: FastifyRequest): TaskAccountable {
  const caller = callerOf(req);
  return {
    authorize: (task, run) => authorizeTask(caller, task, run),
    overrideClaim: isAdmin(caller),
    address: req.ip,
  };
}

export function taskRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/api/v1/inbox',
    {
      config: { access: 'tasks:read' },
      schema: {
        summary:
          'Open tasks the caller may act on, soonest deadline first; all=true (admins) lists every one',
        querystring: z.strictObject({ all: z.enum(['true', 'false']).optional() }),
      },
    },
    async (req) => {
      const caller = callerOf(req);
      const all = req.query.all === 'true';
      if (all && !isAdmin(caller))
        throw new TandemError(
          'forbidden',
          `${caller.subject} may not list every open task: that is for admins`,
        );
      const kinds = all
        ? ['approval', 'task']
        : (['approval', 'task'] as const).filter((k) => can(caller, taskPermission(k)));
      const rows = await listOpenTasksWithRuns(ctx.store.db, { kinds });
      const runbooks = new Map<string, ReturnType<typeof runbookDefinition> | null>();
      const decided = await tasksDecidedBy(
        ctx.store.db,
        caller.subject,
        rows.map((t) => t.id),
      );
      const mine = [];
      for (const t of rows) {
        if (!all) {
          const key = `${t.runbook}@${t.runbook_version}`;
          if (!runbooks.has(key)) {
            const row = await findRunbook(ctx.store.db, t.runbook, t.runbook_version);
            runbooks.set(key, row ? runbookDefinition(row) : null);
          }
          const runbook = runbooks.get(key);
          if (!runbook) continue;
          const scope = runScope(runbook, JSON.parse(t.inputs) as Record<string, unknown>);
          if (!namedAssignee(caller, assigneesOf(t), taskPermission(t.kind), scope)) continue;
          // Tasks the caller cannot act on after all: four-eyes, distinct_from, decided, claimed.
          const excluded = (JSON.parse(t.spec) as { excluded?: string[] }).excluded ?? [];
          if (excluded.includes(caller.subject) || decided.has(t.id)) continue;
          if (t.claimed_by !== null && t.claimed_by !== caller.subject) continue;
        }
        mine.push(taskView(t, await listDecisions(ctx.store.db, t.id)));
      }
      return { tasks: mine };
    },
  );

  r.get(
    '/api/v1/tasks/:id',
    {
      config: { access: 'tasks:read' },
      schema: { summary: 'A task with its decisions and attachments', params: taskIdParams },
    },
    async (req) => {
      const { task } = await readableTask(ctx, req, req.params.id);
      return {
        ...taskView(task, await listDecisions(ctx.store.db, task.id)),
        attachments: (await listAttachments(ctx.store.db, task.id)).map(attachmentView),
      };
    },
  );

  r.post(
    '/api/v1/tasks/:id/decisions',
    {
      // Approvals need tasks:decide and manual tasks tasks:work: the task says which.
      config: { access: 'authenticated' },
      schema: {
        summary:
          'Approve or reject an approval, or complete a manual task with its answers ({"outputs": {…}})',
        params: taskIdParams,
        body: z
          .strictObject({
            decision: z.enum(['approve', 'reject']).optional(),
            comment: z.string().max(10_000).optional(),
            outputs: answers.optional(),
          })
          .superRefine((b, c) => {
            if ((b.decision === undefined) === (b.outputs === undefined))
              c.addIssue({
                code: 'custom',
                path: b.decision === undefined ? ['decision'] : ['outputs'],
                message: 'give either decision (an approval) or outputs (a manual task)',
              });
          }),
      },
    },
    async (req, reply) => {
      const caller = callerOf(req);
      if (!can(caller, 'tasks:decide') && !can(caller, 'tasks:work'))
        throw new TandemError('forbidden', `${caller.subject} may not act on tasks: viewers only read them`);
      const { decision, comment, outputs } = req.body;
      const res =
        decision !== undefined
          ? await ctx.engine.decide(
              req.params.id,
              caller.subject,
              decision,
              comment ?? null,
              accountable(req),
            )
          : await ctx.engine.complete(req.params.id, caller.subject, outputs!, accountable(req));
      return reply
        .code(201)
        .send({ task_id: req.params.id, run_id: res.runId, step: res.step, step_status: res.stepStatus });
    },
  );

  r.post(
    '/api/v1/tasks/:id/complete',
    {
      config: { access: 'tasks:work' },
      schema: {
        summary: 'Complete a manual task: its answers, checked against its form, become the step outputs',
        params: taskIdParams,
        body: z.strictObject({ outputs: answers }),
      },
    },
    async (req, reply) => {
      const res = await ctx.engine.complete(
        req.params.id,
        callerOf(req).subject,
        req.body.outputs,
        accountable(req),
      );
      return reply
        .code(201)
        .send({ task_id: req.params.id, run_id: res.runId, step: res.step, step_status: res.stepStatus });
    },
  );

  r.post(
    '/api/v1/tasks/:id/claim',
    {
      config: { access: 'tasks:work' },
      schema: {
        summary: 'Claim a manual task: you work on it',
        params: taskIdParams,
        body: z.strictObject({}).nullish(),
      },
    },
    async (req) => {
      const task = await ctx.engine.claim(req.params.id, callerOf(req).subject, accountable(req));
      return taskView(task, await listDecisions(ctx.store.db, task.id));
    },
  );

  r.post(
    '/api/v1/tasks/:id/assign',
    {
      config: { access: 'tasks:work' },
      schema: {
        summary: 'Hand a manual task to a user or a team',
        params: taskIdParams,
        body: z
          .strictObject({
            user: z.string().min(1).max(128).optional(),
            team: z.string().min(1).max(128).optional(),
          })
          .refine((b) => (b.user === undefined) !== (b.team === undefined), {
            message: 'give exactly one of user or team',
          }),
      },
    },
    async (req) => {
      const task = await ctx.engine.assign(req.params.id, callerOf(req).subject, req.body, accountable(req));
      return taskView(task, await listDecisions(ctx.store.db, task.id));
    },
  );

  attachmentRoutes(app, ctx);
}
