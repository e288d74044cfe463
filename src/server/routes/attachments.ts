/**
 * Evidence attached to manual tasks: files sent as the raw request body (any content type), kept
 * in the store with their sha256, listed and downloaded. The size limit is 10 MiB unless
 * `TANDEM_ATTACHMENT_MAX_BYTES` says otherwise; a larger body answers 413.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { TandemError } from '../../core/errors.ts';
import { findAttachment, findTask, insertAttachment, listAttachments, uuidv7 } from '../../store/index.ts';
import { audited } from '../audited.ts';
import { callerOf } from '../access.ts';
import type { ServerContext } from '../context.ts';
import { authorizeTask } from '../task-access.ts';
import { attachmentView } from '../views.ts';
import { loadTask, readableTask, taskIdParams } from './tasks.ts';

export const DEFAULT_MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;

export function maxAttachmentBytes(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.TANDEM_ATTACHMENT_MAX_BYTES);
  return Number.isInteger(n) && n > 0 ? n : DEFAULT_MAX_ATTACHMENT_BYTES;
}

// A file name as people give it: no path separators, no control characters.
const fileName = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[^/\\\p{Cc}]+$/u, 'a file name without / or \\ or control characters')
  .refine((n) => n !== '.' && n !== '..', 'a file name, not . or ..');

/** `attachment; filename="…"` with an ASCII fallback and the exact UTF-8 name (RFC 6266). */
function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

export function attachmentRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const limit = maxAttachmentBytes();
  // Its own context: here every content type arrives as raw bytes, elsewhere JSON stays JSON.
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: limit }, (_req, body, done) =>
      done(null, body),
    );
    const r = scope.withTypeProvider<ZodTypeProvider>();

    r.post(
      '/api/v1/tasks/:id/attachments',
      {
        config: { access: 'tasks:work' },
        bodyLimit: limit,
        schema: {
          summary: 'Attach evidence to a manual task: the file is the request body',
          params: taskIdParams,
          querystring: z.strictObject({ name: fileName }),
        },
      },
      async (req, reply) => {
        const caller = callerOf(req);
        const data = req.body;
        if (!Buffer.isBuffer(data) || data.length === 0)
          throw new TandemError('invalid_input', 'send the file as the request body', {
            details: [{ path: 'body', message: 'expected the bytes of a file' }],
          });
        const { task, run } = await loadTask(ctx, req.params.id);
        if (task.kind !== 'task')
          throw new TandemError(
            'conflict',
            `task ${task.id} is an approval: evidence goes with manual tasks`,
          );
        authorizeTask(caller, task, run);
        const contentType = (req.headers['content-type'] ?? 'application/octet-stream').slice(0, 200);
        const row = {
          id: uuidv7(),
          task_id: task.id,
          run_id: task.run_id,
          name: req.query.name,
          content_type: contentType,
          size: data.length,
          sha256: createHash('sha256').update(data).digest('hex'),
          data,
          uploaded_by: caller.subject,
          created_at: ctx.clock(),
        };
        await audited(
          ctx,
          req,
          async (tx) => {
            // Checked again in the transaction: a task closed meanwhile takes no more evidence.
            const now = await findTask(tx.db, task.id);
            if (now?.status !== 'open')
              throw new TandemError(
                'conflict',
                `task ${task.id} is ${now?.status ?? 'gone'}: it takes no more evidence`,
              );
            await insertAttachment(tx.db, row);
          },
          () => ({
            action: 'attachment.added',
            target: `task:${task.id}`,
            data: {
              run_id: task.run_id,
              attachment_id: row.id,
              name: row.name,
              size: row.size,
              sha256: row.sha256,
            },
          }),
        );
        return reply.code(201).send(attachmentView(row));
      },
    );

    r.get(
      '/api/v1/tasks/:id/attachments',
      { config: { access: 'tasks:read' }, schema: { summary: "A task's attachments", params: taskIdParams } },
      async (req) => {
        await readableTask(ctx, req, req.params.id);
        return { attachments: (await listAttachments(ctx.store.db, req.params.id)).map(attachmentView) };
      },
    );

    r.get(
      '/api/v1/tasks/:id/attachments/:attachment',
      {
        config: { access: 'tasks:read' },
        schema: {
          summary: 'Download an attachment',
          params: taskIdParams.extend({ attachment: z.string().min(1).max(64) }),
        },
      },
      async (req, reply) => {
        await readableTask(ctx, req, req.params.id);
        const a = await findAttachment(ctx.store.db, req.params.id, req.params.attachment);
        if (!a)
          throw new TandemError(
            'not_found',
            `task ${req.params.id} has no attachment ${req.params.attachment}`,
          );
        // Served as a download that never runs in the console's origin, whatever its type.
        return reply
          .header('content-type', a.content_type)
          .header('content-disposition', contentDisposition(a.name))
          .header('x-content-type-options', 'nosniff')
          .header('content-security-policy', "default-src 'none'; sandbox")
          .header('x-checksum-sha256', a.sha256)
          .send(a.data);
      },
    );
  });
}
