/** Run reports over HTTP: markdown or JSON, generated from the run's recorded data on demand. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { TandemError } from '../../core/errors.ts';
import { buildRunReport, runReportMarkdown } from '../../core/reports/index.ts';
import { loadRunReportInput } from '../../kb/index.ts';
import type { ServerContext } from '../context.ts';

export function reportRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/api/v1/runs/:id/report',
    {
      config: { access: 'runs:read' },
      schema: {
        summary:
          "A run's report: header, inputs (secrets masked), timeline, decisions, outputs, logs summary, RTO/RPO, related history",
        params: z.object({ id: z.string().min(1).max(64) }),
        querystring: z.strictObject({ format: z.enum(['md', 'json']).optional() }),
      },
    },
    async (req, reply) => {
      const input = await loadRunReportInput(ctx.store.db, ctx.store.dialect, req.params.id, {
        now: ctx.clock(),
      });
      if (!input) throw new TandemError('not_found', `run ${req.params.id} does not exist`);
      const report = buildRunReport(input);
      const markdown =
        req.query.format === 'md' ||
        (req.query.format === undefined && (req.headers.accept ?? '').startsWith('text/markdown'));
      if (markdown) return reply.type('text/markdown; charset=utf-8').send(runReportMarkdown(report));
      return report;
    },
  );
}
