/**
 * Comments on runs: markdown from people, with `@username` mentions of existing users stored and
 * notified (topic `comment.mentioned`). Each comment is a run event and an audit entry.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { runScope } from '../../core/access/index.ts';
import { TandemError } from '../../core/errors.ts';
import { runSignals } from '../../engine/run-signals.ts';
import { enqueueNotification, runSnapshot } from '../../notify/index.ts';
import {
  appendRunEvents,
  existingUsernames,
  insertComment,
  listComments,
  uuidv7,
} from '../../store/index.ts';
import { requireAccess } from '../access.ts';
import { audited } from '../audited.ts';
import type { ServerContext } from '../context.ts';
import { mentionsIn } from '../mentions.ts';
import { commentView } from '../views.ts';

/** 20 000 characters: a long post-incident note fits, a pasted log file does not. */
export const MAX_COMMENT_CHARS = 20_000;
export function commentRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const runId = z.object({ id: z.string().min(1).max(64) });

  const runOf = async (id: string) => {
    const run = await ctx.engine.getRun(id);
    if (!run) throw new TandemError('not_found', `run ${id} does not exist`);
    return run;
  };

  r.post(
    '/api/v1/runs/:id/comments',
    {
      config: { access: 'runs:comment' },
      schema: {
        summary: 'Comment on a run (markdown); @username mentions notify',
        params: runId,
        body: z.strictObject({
          body: z
            .string()
            .max(MAX_COMMENT_CHARS)
            .refine((b) => b.trim() !== '', 'must not be empty'),
        }),
      },
    },
    async (req, reply) => {
      const run = await runOf(req.params.id);
      const caller = requireAccess(req, 'runs:comment', runScope(run.runbook, run.inputs), `run ${run.id}`);
      const row = await audited(
        ctx,
        req,
        async (tx) => {
          const now = ctx.clock();
          const mentions = (await existingUsernames(tx.db, mentionsIn(req.body.body))).sort();
          const comment = await insertComment(tx.db, {
            id: uuidv7(),
            runId: run.id,
            author: caller.subject,
            body: req.body.body,
            mentions,
            now,
          });
          await appendRunEvents(
            tx.db,
            [
              {
                runId: run.id,
                type: 'comment.added',
                actor: caller.subject,
                data: { comment_id: comment.id, mentions },
              },
            ],
            now,
          );
          tx.afterCommit(() => runSignals.changed(run.id));
          if (mentions.length > 0)
            await enqueueNotification(
              tx,
              ctx.store,
              'comment.mentioned',
              {
                run: runSnapshot(run),
                comment: { id: comment.id, author: caller.subject, body: comment.body, mentions },
                path: `/runs/${run.id}`,
              },
              now,
            );
          return comment;
        },
        (c) => ({
          action: 'comment.added',
          target: `run:${run.id}`,
          data: { comment_id: c.id, mentions: JSON.parse(c.mentions) as string[], length: c.body.length },
        }),
      );
      return reply.code(201).send(commentView(row));
    },
  );

  r.get(
    '/api/v1/runs/:id/comments',
    {
      config: { access: 'runs:read' },
      schema: {
        summary: "A run's comments, oldest first",
        params: runId,
        querystring: z.strictObject({
          after: z.string().max(64).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(200),
        }),
      },
    },
    async (req) => {
      const run = await runOf(req.params.id);
      requireAccess(req, 'runs:read', runScope(run.runbook, run.inputs), `run ${run.id}`);
      const rows = await listComments(ctx.store.db, run.id, {
        limit: req.query.limit,
        ...(req.query.after === undefined ? {} : { after: req.query.after }),
      });
      return { comments: rows.map(commentView) };
    },
  );
}
