/**
 * The knowledge base over HTTP: full-text search over run reports and incidents, and related
 * history by resource. A caller searches the kinds they may read: runs with `runs:read`,
 * incidents with `incidents:read`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { can } from '../../core/access/index.ts';
import { TandemError } from '../../core/errors.ts';
import {
  documentKinds,
  relatedHistory,
  resourcesOfRun,
  searchKb,
  secretInputsOf,
  runbookOfRun,
  type DocumentKind,
} from '../../kb/index.ts';
import { callerOf } from '../access.ts';
import type { ServerContext } from '../context.ts';

const iso = (ms: number) => new Date(ms).toISOString();
const RESOURCE = /^[a-z][a-z0-9_]{0,62}\/[A-Za-z0-9_:][A-Za-z0-9._:@-]{0,252}$/;

/** The kinds asked for that the caller may read; forbidden when none is left of those asked. */
function readableKinds(req: FastifyRequest, asked: DocumentKind | undefined): DocumentKind[] {
  const caller = callerOf(req);
  const may: Record<DocumentKind, boolean> = {
    run: can(caller, 'runs:read'),
    incident: can(caller, 'incidents:read'),
  };
  const kinds = (asked ? [asked] : [...documentKinds]).filter((k) => may[k]);
  if (kinds.length === 0)
    throw new TandemError(
      'forbidden',
      `${caller.subject} may not read ${asked ? `${asked}s` : 'runs or incidents'} (needs runs:read or incidents:read)`,
    );
  return kinds;
}

export function kbRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/api/v1/kb/search',
    {
      config: { access: 'authenticated' },
      schema: {
        summary:
          'Full-text search over run reports and incidents: words and "phrases" must all appear, -word must not; ranked, with highlighted snippets',
        querystring: z.strictObject({
          q: z.string().trim().min(1).max(1000),
          kind: z.enum(documentKinds).optional(),
          limit: z.coerce.number().int().min(1).max(100).default(20),
        }),
      },
    },
    async (req) => {
      const kinds = readableKinds(req, req.query.kind);
      const result = await searchKb(ctx.store, { q: req.query.q, kinds, limit: req.query.limit });
      return {
        query: req.query.q,
        terms: result.query.terms,
        excluded: result.query.exclude,
        mode: result.mode,
        results: result.hits.map((h) => ({
          kind: h.kind,
          id: h.refId,
          title: h.title,
          status: h.status,
          site: h.site,
          at: iso(h.at),
          resources: h.resources,
          score: h.score,
          snippet: h.snippet.text,
          highlights: h.snippet.highlights,
        })),
      };
    },
  );

  r.get(
    '/api/v1/kb/related',
    {
      config: { access: 'authenticated' },
      schema: {
        summary:
          'Past incidents and runs about the same resources: of resource=KIND/NAME[,KIND/NAME…], of a run (run=ID) or of an incident (incident=ID)',
        querystring: z
          .strictObject({
            resource: z
              .string()
              .max(4000)
              .optional()
              .transform((s) => (s ? s.split(',').map((x) => x.trim()) : undefined))
              .pipe(
                z
                  .array(z.string().regex(RESOURCE, 'kind/name of a resource, e.g. database/pg-sh-1'))
                  .optional(),
              ),
            run: z.string().min(1).max(64).optional(),
            incident: z.string().min(1).max(64).optional(),
            kind: z.enum(documentKinds).optional(),
            limit: z.coerce.number().int().min(1).max(100).default(20),
          })
          .refine((q) => [q.resource, q.run, q.incident].filter((x) => x !== undefined).length === 1, {
            message: 'give exactly one of resource, run or incident',
          }),
      },
    },
    async (req) => {
      const q = req.query;
      const kinds = readableKinds(req, q.kind);
      let resources: string[] = q.resource ?? [];
      let exclude: { kind: string; refId: string } | undefined;
      let before: number | undefined;
      if (q.run !== undefined) {
        readableKinds(req, 'run');
        const run = await ctx.store.db
          .selectFrom('runs')
          .selectAll()
          .where('id', '=', q.run)
          .executeTakeFirst();
        if (!run) throw new TandemError('not_found', `run ${q.run} does not exist`);
        const runbook = await runbookOfRun(ctx.store.db, run);
        const inputs = JSON.parse(run.inputs) as Record<string, unknown>;
        resources = await resourcesOfRun(ctx.store.db, run.id, inputs, secretInputsOf(runbook));
        exclude = { kind: 'run', refId: run.id };
        before = run.created_at;
      } else if (q.incident !== undefined) {
        readableKinds(req, 'incident');
        const incident = await ctx.store.db
          .selectFrom('incidents')
          .select(['id', 'resource', 'opened_at'])
          .where('id', '=', q.incident)
          .executeTakeFirst();
        if (!incident) throw new TandemError('not_found', `incident ${q.incident} does not exist`);
        const alerts = await ctx.store.db
          .selectFrom('alerts')
          .select('resource')
          .distinct()
          .where('incident_id', '=', incident.id)
          .where('resource', 'is not', null)
          .execute();
        resources = [...new Set([incident.resource, ...alerts.map((a) => a.resource)])].filter(
          (x): x is string => x !== null,
        );
        exclude = { kind: 'incident', refId: incident.id };
        before = incident.opened_at;
      }
      const related = await relatedHistory(ctx.store.db, resources, {
        kinds,
        limit: q.limit,
        ...(exclude ? { exclude } : {}),
        ...(before === undefined ? {} : { before }),
      });
      return {
        resources,
        related: related.map((x) => ({
          kind: x.kind,
          id: x.refId,
          title: x.title,
          status: x.status,
          at: iso(x.at),
          resources: x.resources,
        })),
      };
    },
  );
}
