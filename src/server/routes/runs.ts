import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { TandemError } from '../../core/errors.ts';
import { specIndex } from '../../core/engine/index.ts';
import {
  findRunbook,
  listDecisions,
  listRunEvents,
  listRuns,
  listStepLogs,
  loadRunRows,
  runbookDefinition,
  tasksOfRun,
  type StepRow,
} from '../../store/index.ts';
import { eventView, runSummaryView, runView, taskView } from '../views.ts';
import type { ServerContext } from '../context.ts';
import { callerOf, requireAccess } from '../access.ts';
import { streamRows } from '../sse.ts';

const runStatuses = ['pending', 'running', 'waiting', 'paused', 'succeeded', 'failed', 'cancelled'] as const;
const runId = z.object({ id: z.string().min(1).max(64) });

export function runRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/api/v1/runs',
    {
      config: { access: 'runs:start' },
      schema: {
        summary: 'Start a run of a runbook',
        body: z.strictObject({
          runbook: z.string().min(1).max(200),
          version: z.number().int().min(1).optional(),
          inputs: z.record(z.string(), z.unknown()).optional(),
        }),
      },
    },
    async (req, reply) => {
      const run = await ctx.engine.startRun({
        ...req.body,
        actor: callerOf(req).subject,
        accountable: {
          authorize: (scope) => requireAccess(req, 'runs:start', scope, `runbook ${req.body.runbook}`),
          address: req.ip,
        },
      });
      return reply.code(201).send(run);
    },
  );

  r.get(
    '/api/v1/runs',
    {
      config: { access: 'runs:read' },
      schema: {
        summary: 'List runs, newest first',
        querystring: z.strictObject({
          status: z
            .string()
            .optional()
            .transform((s) => (s ? s.split(',') : undefined))
            .pipe(z.array(z.enum(runStatuses)).optional()),
          runbook: z.string().max(200).optional(),
          parent: z.string().max(64).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(50),
          cursor: z.string().max(64).optional(),
        }),
      },
    },
    async (req) => {
      const q = req.query;
      const rows = await listRuns(ctx.store.db, {
        limit: q.limit,
        ...(q.status ? { status: q.status } : {}),
        ...(q.runbook ? { runbook: q.runbook } : {}),
        ...(q.parent ? { parentRunId: q.parent } : {}),
        ...(q.cursor ? { before: q.cursor } : {}),
      });
      return {
        runs: rows.map(runSummaryView),
        next_cursor: rows.length === q.limit ? rows.at(-1)!.id : null,
      };
    },
  );

  r.get(
    '/api/v1/runs/:id',
    { config: { access: 'runs:read' }, schema: { summary: 'A run with its steps', params: runId } },
    async (req) => {
      const loaded = await loadRunRows(ctx.store.db, ctx.store.dialect, req.params.id, false);
      if (!loaded) throw new TandemError('not_found', `run ${req.params.id} does not exist`);
      const tasks = new Map<string, ReturnType<typeof taskView>>();
      for (const t of await tasksOfRun(ctx.store.db, req.params.id))
        tasks.set(t.id, taskView(t, await listDecisions(ctx.store.db, t.id)));
      const rb = await findRunbook(ctx.store.db, loaded.run.runbook, loaded.run.runbook_version);
      const steps = rb
        ? inRunbookOrder(loaded.steps, [...specIndex(runbookDefinition(rb)).byId.keys()])
        : loaded.steps;
      return runView(loaded.run, steps, tasks);
    },
  );

  for (const action of ['cancel', 'pause', 'resume', 'retry'] as const) {
    r.post(
      `/api/v1/runs/:id/${action}`,
      {
        config: { access: 'runs:control' },
        schema: {
          summary: `${action[0]!.toUpperCase()}${action.slice(1)} a run`,
          params: runId,
          body: z
            .strictObject({ compensate: z.boolean().optional(), reason: z.string().max(2000).optional() })
            .nullish(),
        },
      },
      async (req) => {
        const run = await ctx.engine.act(req.params.id, action, callerOf(req).subject, {
          compensate: req.body?.compensate ?? false,
          accountable: {
            authorize: (scope) => requireAccess(req, 'runs:control', scope, `run ${req.params.id}`),
            address: req.ip,
          },
        });
        return { id: run.id, status: run.status };
      },
    );
  }

  r.get(
    '/api/v1/runs/:id/events',
    {
      config: { access: 'runs:read' },
      schema: {
        summary: 'The run history; with follow=true (or Accept: text/event-stream) a live SSE stream',
        params: runId,
        querystring: z.strictObject({
          after: z.coerce.number().int().min(0).default(0),
          follow: z.enum(['true', 'false']).optional(),
        }),
      },
    },
    async (req, reply) => {
      await requireRun(ctx, req.params.id);
      const fetch = (after: number) => listRunEvents(ctx.store.db, req.params.id, after);
      if (req.query.follow === 'true' || req.headers.accept === 'text/event-stream') {
        return streamRows(ctx, req, reply, {
          channel: 'run-events',
          runId: req.params.id,
          after: req.query.after,
          fetch,
          view: eventView,
          event: 'run-event',
          done: async () =>
            ['succeeded', 'failed', 'cancelled'].includes((await requireRun(ctx, req.params.id)).status),
        });
      }
      return { events: (await fetch(req.query.after)).map(eventView) };
    },
  );

  r.get(
    '/api/v1/runs/:id/logs',
    {
      config: { access: 'runs:read' },
      schema: {
        summary: 'Step logs in order; with follow=true a live SSE stream',
        params: runId,
        querystring: z.strictObject({
          step: z.string().max(300).optional(),
          after: z.coerce.number().int().min(0).default(0),
          follow: z.enum(['true', 'false']).optional(),
        }),
      },
    },
    async (req, reply) => {
      await requireRun(ctx, req.params.id);
      const step = req.query.step;
      const fetch = (after: number) =>
        listStepLogs(ctx.store.db, req.params.id, {
          afterId: after,
          ...(step === undefined ? {} : { key: step }),
        });
      const view = (l: Awaited<ReturnType<typeof fetch>>[number]) => ({
        id: l.id,
        step: l.step_key,
        attempt: l.attempt,
        stream: l.stream,
        data: l.data,
        at: new Date(l.created_at).toISOString(),
      });
      if (req.query.follow === 'true' || req.headers.accept === 'text/event-stream') {
        return streamRows(ctx, req, reply, {
          channel: 'step-logs',
          runId: req.params.id,
          after: req.query.after,
          fetch,
          view,
          event: 'log',
          done: async () =>
            ['succeeded', 'failed', 'cancelled'].includes((await requireRun(ctx, req.params.id)).status),
        });
      }
      return { logs: (await fetch(req.query.after)).map(view) };
    },
  );
}

async function requireRun(ctx: ServerContext, id: string) {
  const run = await ctx.store.db
    .selectFrom('runs')
    .select(['id', 'status'])
    .where('id', '=', id)
    .executeTakeFirst();
  if (!run) throw new TandemError('not_found', `run ${id} does not exist`);
  return run;
}

/** Steps in the order the runbook lists them; foreach items after their step, compensations last. */
function inRunbookOrder(steps: StepRow[], order: string[]): StepRow[] {
  const rank = new Map(order.map((id, i) => [id, i]));
  const phase = (s: StepRow) => (s.phase === 'compensate' ? 1 : 0);
  return [...steps].sort(
    (a, b) =>
      phase(a) - phase(b) ||
      (rank.get(a.step_id) ?? 0) - (rank.get(b.step_id) ?? 0) ||
      (a.item_index ?? -1) - (b.item_index ?? -1),
  );
}
