/** `/api/v1/audit`: read, verify and export the hash-chained audit trail (admins only). */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listAudit, verifyAudit, type AuditRow } from '../../store/index.ts';
import type { ServerContext } from '../context.ts';

/** An entry as the API shows it: the stored fields, `data` parsed, the time as ISO 8601 too. */
export function auditView(row: AuditRow) {
  return {
    id: row.id,
    at: new Date(row.at).toISOString(),
    at_ms: row.at,
    actor: row.actor,
    action: row.action,
    target: row.target,
    source_address: row.source_address,
    data: JSON.parse(row.data) as unknown,
    prev_hash: row.prev_hash,
    hash: row.hash,
  };
}

const EXPORT_PAGE = 1000;

export function auditRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/api/v1/audit',
    {
      config: { access: 'audit:read' },
      schema: {
        summary: 'Audit entries in chain order, after an id',
        querystring: z.strictObject({
          after: z.coerce.number().int().min(0).default(0),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
          actor: z.string().max(200).optional(),
          action: z.string().max(100).optional(),
          target: z.string().max(300).optional(),
        }),
      },
    },
    async (req) => {
      const { after, limit, actor, action, target } = req.query;
      const rows = await listAudit(ctx.store.db, {
        after,
        limit,
        ...(actor === undefined ? {} : { actor }),
        ...(action === undefined ? {} : { action }),
        ...(target === undefined ? {} : { target }),
      });
      return {
        entries: rows.map(auditView),
        next_after: rows.length === limit ? rows.at(-1)!.id : null,
      };
    },
  );

  r.get(
    '/api/v1/audit/verify',
    {
      config: { access: 'audit:read' },
      schema: { summary: 'Check the whole chain; name the first entry that does not hold' },
    },
    async () => {
      const v = await verifyAudit(ctx.store.db);
      return v.ok
        ? { ok: true, entries: v.entries, head: v.head }
        : { ok: false, entries: v.entries, broken_at: v.brokenAt, reason: v.reason };
    },
  );

  r.get(
    '/api/v1/audit/export',
    {
      config: { access: 'audit:read' },
      schema: { summary: 'Every entry as JSON lines (application/x-ndjson), oldest first' },
    },
    async (_req, reply) => {
      reply.raw.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8' });
      reply.hijack();
      let after = 0;
      for (;;) {
        const rows = await listAudit(ctx.store.db, { after, limit: EXPORT_PAGE });
        if (rows.length > 0) {
          const ok = reply.raw.write(rows.map((r) => JSON.stringify(auditView(r))).join('\n') + '\n');
          if (!ok) await new Promise((resolve) => reply.raw.once('drain', resolve));
          after = rows.at(-1)!.id;
        }
        if (rows.length < EXPORT_PAGE) break;
      }
      reply.raw.end();
    },
  );
}
