import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { TandemError } from '../../core/errors.ts';
import { parseRunbook, runbookJsonSchema } from '../../core/runbook/index.ts';
import {
  findRunbook,
  listRunbooks,
  listRunbookVersions,
  runbookDefinition,
  type RunbookRow,
} from '../../store/index.ts';
import type { ServerContext } from '../context.ts';
import { callerOf, requireAccess } from '../access.ts';

/** Runbooks are small; 1 MiB is far past any real one and bounds what a request can make us parse. */
export const MAX_RUNBOOK_BYTES = 1024 * 1024;

const iso = (ms: number) => new Date(ms).toISOString();

function summary(r: RunbookRow) {
  return {
    name: r.name,
    version: r.version,
    title: r.title,
    labels: JSON.parse(r.labels) as Record<string, string>,
    created_at: iso(r.created_at),
    created_by: r.created_by,
  };
}

function detail(r: RunbookRow) {
  const def = runbookDefinition(r);
  return {
    ...summary(r),
    hash: r.hash,
    description: def.metadata.description ?? def.spec.description ?? null,
    inputs: def.spec.inputs ?? {},
    source: r.source,
    definition: def,
  };
}

/** The runbook text from a YAML body, or from `{ "source": "…" }` in JSON. */
function sourceOf(body: unknown): string {
  if (typeof body === 'string') return body;
  if (typeof body === 'object' && body !== null && 'source' in body && typeof body.source === 'string')
    return body.source;
  throw new TandemError(
    'invalid_input',
    'send the runbook as YAML (Content-Type: application/yaml) or JSON { "source": "…" }',
    {
      details: [{ path: 'body', message: 'expected YAML text' }],
    },
  );
}

export function runbookRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  for (const type of ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/plain']) {
    app.addContentTypeParser(type, { parseAs: 'string', bodyLimit: MAX_RUNBOOK_BYTES }, (_req, body, done) =>
      done(null, body),
    );
  }

  r.post(
    '/api/v1/runbooks',
    {
      config: { access: 'runbooks:write' },
      schema: { summary: 'Apply a runbook (YAML body); the same text again is a no-op' },
      bodyLimit: MAX_RUNBOOK_BYTES,
    },
    async (req, reply) => {
      const applied = await ctx.engine.applyRunbook(sourceOf(req.body), callerOf(req).subject, {
        authorize: (scope) => requireAccess(req, 'runbooks:write', scope, 'this runbook'),
        address: req.ip,
      });
      return reply.code(applied.created ? 201 : 200).send(applied);
    },
  );

  r.post(
    '/api/v1/runbooks/validate',
    {
      config: { access: 'runbooks:read' },
      schema: { summary: 'Validate a runbook without storing it' },
      bodyLimit: MAX_RUNBOOK_BYTES,
    },
    async (req) => {
      const rb = parseRunbook(sourceOf(req.body));
      return { valid: true, name: rb.metadata.name };
    },
  );

  r.get(
    '/api/v1/runbooks',
    { config: { access: 'runbooks:read' }, schema: { summary: 'The latest version of every runbook' } },
    async () => ({
      runbooks: (await listRunbooks(ctx.store.db)).map(summary),
    }),
  );

  const nameParam = z.object({ name: z.string().min(1).max(200) });
  r.get(
    '/api/v1/runbooks/:name',
    {
      config: { access: 'runbooks:read' },
      schema: { summary: 'A runbook (latest version) with its versions', params: nameParam },
    },
    async (req) => {
      const row = await findRunbook(ctx.store.db, req.params.name);
      if (!row) throw new TandemError('not_found', `runbook ${req.params.name} does not exist`);
      const versions = await listRunbookVersions(ctx.store.db, req.params.name);
      return {
        ...detail(row),
        versions: versions.map((v) => ({
          version: v.version,
          created_at: iso(v.created_at),
          created_by: v.created_by,
        })),
      };
    },
  );

  r.get(
    '/api/v1/runbooks/:name/versions/:version',
    {
      config: { access: 'runbooks:read' },
      schema: {
        summary: 'One version of a runbook',
        params: nameParam.extend({ version: z.coerce.number().int().min(1) }),
      },
    },
    async (req) => {
      const row = await findRunbook(ctx.store.db, req.params.name, req.params.version);
      if (!row)
        throw new TandemError(
          'not_found',
          `runbook ${req.params.name} version ${req.params.version} does not exist`,
        );
      return detail(row);
    },
  );

  r.get(
    '/api/v1/schemas/runbook.json',
    { config: { access: 'runbooks:read' }, schema: { summary: 'The JSON Schema of runbooks' } },
    async () => runbookJsonSchema(),
  );
}
