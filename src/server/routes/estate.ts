/**
 * The estate over HTTP: apply an estate file (GitOps), import an Ansible inventory or the targets
 * of a Prometheus, list resources by selector, show one with its relations both ways, its
 * history and what changed since a time.
 */
import { basename } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  foldChanges,
  inventoryResources,
  guessInventoryFormat,
  kindSchema,
  parseEstate,
  parseEstateValue,
  parseSelector,
  resourceNameSchema,
  siteSchema,
  targetResources,
  type EstateFile,
  type Resource,
} from '../../core/estate/index.ts';
import { errorMessage, TandemError } from '../../core/errors.ts';
import { parseDuration } from '../../core/runbook/index.ts';
import { DURATION_PATTERN } from '../../core/runbook/model.ts';
import {
  applySource,
  deleteResource,
  existingTargets,
  findResource,
  incomingRelations,
  listResources,
  resourceHistory,
  type ApplyResult,
} from '../../store/index.ts';
import { callerOf } from '../access.ts';
import { audited } from '../audited.ts';
import type { ServerContext } from '../context.ts';

/** Estate files and inventories may be large: 100,000 resources fit in 64 MiB. */
const MAX_ESTATE_BYTES = 64 * 1024 * 1024;
/** Prometheus must answer within this. */
const PROMETHEUS_TIMEOUT_MS = 10_000;

const iso = (ms: number) => new Date(ms).toISOString();

function resourceView(r: Resource) {
  return {
    kind: r.kind,
    name: r.name,
    site: r.site,
    labels: r.labels,
    properties: r.properties,
    facts: r.facts,
    source: r.source,
    relations: r.relations,
    created_at: iso(r.createdAt),
    updated_at: iso(r.updatedAt),
  };
}

function applyView(r: ApplyResult, extra: Record<string, unknown> = {}) {
  return { source: r.source, dry_run: r.dryRun, counts: r.counts, items: r.items, ...extra };
}

/** `24h` (back from now) or an RFC 3339 time. */
function sinceOf(text: string, now: number): number {
  if (DURATION_PATTERN.test(text)) return now - parseDuration(text);
  const at = Date.parse(text);
  if (Number.isNaN(at))
    throw new TandemError(
      'invalid_input',
      `since: "${text}" is neither a duration (24h) nor a time (RFC 3339)`,
      {
        details: [{ path: 'query.since', message: 'a duration such as 24h, or an RFC 3339 time' }],
      },
    );
  return at;
}

const cursorOf = (r: { kind: string; name: string }) =>
  Buffer.from(JSON.stringify([r.kind, r.name])).toString('base64url');

function afterOf(cursor: string): { kind: string; name: string } {
  try {
    const [kind, name] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof kind === 'string' && typeof name === 'string') return { kind, name };
  } catch {
    // Reported below.
  }
  throw new TandemError('invalid_input', 'cursor: not a cursor this API gave', {
    details: [{ path: 'query.cursor', message: 'use next_cursor of the previous page' }],
  });
}

/** A source name from a file name: its base name, with characters a source cannot hold replaced. */
const sourceName = (prefix: string, name: string) =>
  `${prefix}:${
    basename(name)
      .replace(/[^A-Za-z0-9._@-]/g, '_')
      .slice(0, 180) || 'inventory'
  }`;

/** The targets of a Prometheus: its base URL or its `/api/v1/targets` URL. */
async function fetchTargets(url: URL): Promise<unknown> {
  const target = new URL(url.href);
  if (!target.pathname.endsWith('/api/v1/targets'))
    target.pathname = `${target.pathname.replace(/\/+$/, '')}/api/v1/targets`;
  target.searchParams.set('state', 'active');
  let res: Response;
  try {
    res = await fetch(target, { signal: AbortSignal.timeout(PROMETHEUS_TIMEOUT_MS), redirect: 'follow' });
  } catch (err: unknown) {
    const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
    // 400, not 5xx: the URL given does not answer (Tandem itself is fine).
    throw new TandemError(
      'invalid_input',
      `could not reach Prometheus at ${target.origin}: ${errorMessage(cause)}`,
    );
  }
  const text = await res.text();
  if (!res.ok)
    throw new TandemError(
      'invalid_input',
      `Prometheus at ${target.origin} answered HTTP ${res.status}: ${text.slice(0, 200)}`,
    );
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new TandemError('invalid_input', `${target.href} did not answer JSON: is it a Prometheus?`);
  }
}

const resourceParams = z.object({ kind: kindSchema, name: resourceNameSchema });
const dryRun = z
  .enum(['true', 'false'])
  .optional()
  .transform((v) => v === 'true');

export function estateRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  /** Apply `file` and audit what changed (a dry run changes nothing, so is not audited). */
  const applyFile = (
    req: Parameters<typeof audited>[1],
    file: EstateFile,
    o: { dryRun: boolean; action: string; data?: Record<string, unknown> },
  ) =>
    audited(
      ctx,
      req,
      (tx) => applySource(tx, { ...file, dryRun: o.dryRun, actor: callerOf(req).subject, now: ctx.clock() }),
      (res) =>
        res.dryRun || res.items.every((i) => i.action === 'conflict')
          ? null
          : { action: o.action, target: `estate:${res.source}`, data: { counts: res.counts, ...o.data } },
    );

  r.post(
    '/api/v1/estate/apply',
    {
      config: { access: 'estate:write' },
      schema: {
        summary:
          'Apply an estate file (YAML, or the same as JSON): its source then holds exactly what it lists',
        querystring: z.strictObject({ dry_run: dryRun }),
      },
      bodyLimit: MAX_ESTATE_BYTES,
    },
    async (req) => {
      const body: unknown = req.body;
      const file = typeof body === 'string' ? parseEstate(body) : parseEstateValue(body);
      return applyView(await applyFile(req, file, { dryRun: req.query.dry_run, action: 'estate.applied' }));
    },
  );

  r.post(
    '/api/v1/estate/import/ansible',
    {
      config: { access: 'estate:write' },
      schema: {
        summary: 'Import an Ansible inventory (INI or YAML) as source ansible:<name>',
        body: z.strictObject({
          inventory: z.string().max(MAX_ESTATE_BYTES),
          name: z.string().min(1).max(255).describe('The file name; the source is ansible:<name>'),
          format: z.enum(['ini', 'yaml']).optional(),
          site: siteSchema.optional(),
          dry_run: z.boolean().default(false),
        }),
      },
      bodyLimit: MAX_ESTATE_BYTES,
    },
    async (req) => {
      const b = req.body;
      const format = b.format ?? guessInventoryFormat(b.inventory);
      const read = inventoryResources(b.inventory, format, b.site ?? null);
      const file = { source: sourceName('ansible', b.name), resources: read.resources };
      const res = await applyFile(req, file, {
        dryRun: b.dry_run,
        action: 'estate.imported',
        data: { format },
      });
      return applyView(res, { format, skipped: read.skipped, dropped_vars: read.droppedVars });
    },
  );

  r.post(
    '/api/v1/estate/import/prometheus',
    {
      config: { access: 'estate:write' },
      schema: {
        summary: 'Import the active targets of a Prometheus as source prometheus:<host>',
        body: z.strictObject({
          url: z.url({ protocol: /^https?$/ }).describe('The Prometheus, e.g. http://prometheus:9090'),
          site: siteSchema.optional(),
          dry_run: z.boolean().default(false),
        }),
      },
    },
    async (req) => {
      const url = new URL(req.body.url);
      const read = targetResources(await fetchTargets(url), req.body.site ?? null);
      const file = { source: `prometheus:${url.host}`, resources: read.resources };
      const res = await applyFile(req, file, {
        dryRun: req.body.dry_run,
        action: 'estate.imported',
        data: { url: url.origin },
      });
      return applyView(res, { skipped: read.skipped });
    },
  );

  r.get(
    '/api/v1/estate/resources',
    {
      config: { access: 'estate:read' },
      schema: {
        summary: 'Resources a selector picks, in kind and name order, a page at a time',
        querystring: z.strictObject({
          selector: z.string().max(4096).optional(),
          site: z.string().max(63).optional(),
          kind: z.string().max(63).optional(),
          source: z.string().max(200).optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
          cursor: z.string().max(2000).optional(),
        }),
      },
    },
    async (req) => {
      const q = req.query;
      const page = await listResources(ctx.store.db, {
        limit: q.limit,
        ...(q.selector === undefined ? {} : { selector: parseSelector(q.selector) }),
        ...(q.site === undefined ? {} : { site: q.site }),
        ...(q.kind === undefined ? {} : { kind: q.kind }),
        ...(q.source === undefined ? {} : { source: q.source }),
        ...(q.cursor === undefined ? {} : { after: afterOf(q.cursor) }),
      });
      const last = page.resources.at(-1);
      return {
        resources: page.resources.map(resourceView),
        next_cursor: page.more && last ? cursorOf(last) : null,
      };
    },
  );

  r.get(
    '/api/v1/estate/resources/:kind/:name',
    {
      config: { access: 'estate:read' },
      schema: { summary: 'A resource with its relations both ways', params: resourceParams },
    },
    async (req) => {
      const { kind, name } = req.params;
      const res = await findResource(ctx.store.db, kind, name);
      if (!res) throw new TandemError('not_found', `${kind}/${name} is not in the estate`);
      const existing = await existingTargets(ctx.store.db, res.relations);
      return {
        ...resourceView(res),
        relations: res.relations.map((rel) => ({ ...rel, exists: existing.has(`${rel.kind}/${rel.name}`) })),
        incoming: await incomingRelations(ctx.store.db, kind, name),
      };
    },
  );

  r.delete(
    '/api/v1/estate/resources/:kind/:name',
    {
      config: { access: 'estate:write' },
      schema: {
        summary: 'Remove a resource (its source may list it again)',
        params: resourceParams,
      },
    },
    async (req) => {
      const { kind, name } = req.params;
      const gone = await audited(
        ctx,
        req,
        (tx) => deleteResource(tx, kind, name, { actor: callerOf(req).subject, now: ctx.clock() }),
        (res) =>
          res
            ? {
                action: 'estate.resource_deleted',
                target: `resource:${kind}/${name}`,
                data: { source: res.source },
              }
            : null,
      );
      if (!gone) throw new TandemError('not_found', `${kind}/${name} is not in the estate`);
      return { kind, name, deleted: true };
    },
  );

  const since = z.strictObject({
    since: z.string().max(64).default('24h'),
    limit: z.coerce.number().int().min(1).max(10_000).default(1000),
  });

  r.get(
    '/api/v1/estate/resources/:kind/:name/history',
    {
      config: { access: 'estate:read' },
      schema: {
        summary: 'Every change of a resource since a time (default 24h), field by field, oldest first',
        params: resourceParams,
        querystring: since,
      },
    },
    async (req) => {
      const { kind, name } = req.params;
      const from = sinceOf(req.query.since, ctx.clock());
      const entries = await resourceHistory(ctx.store.db, kind, name, {
        since: from,
        limit: req.query.limit,
      });
      if (entries.length === 0 && !(await findResource(ctx.store.db, kind, name)))
        throw new TandemError(
          'not_found',
          `${kind}/${name} is not in the estate and has no history since then`,
        );
      return {
        kind,
        name,
        since: iso(from),
        entries: entries.map((e) => ({ ...e, at: iso(e.at) })),
      };
    },
  );

  r.get(
    '/api/v1/estate/resources/:kind/:name/diff',
    {
      config: { access: 'estate:read' },
      schema: {
        summary: 'What changed in a resource since a time (default 24h): each field from then to now',
        params: resourceParams,
        querystring: since,
      },
    },
    async (req) => {
      const { kind, name } = req.params;
      const from = sinceOf(req.query.since, ctx.clock());
      const entries = await resourceHistory(ctx.store.db, kind, name, { since: from, limit: 100_000 });
      const current = await findResource(ctx.store.db, kind, name);
      if (entries.length === 0 && !current)
        throw new TandemError(
          'not_found',
          `${kind}/${name} is not in the estate and has no history since then`,
        );
      return {
        kind,
        name,
        since: iso(from),
        exists: current !== undefined,
        changes_count: entries.length,
        created: entries.some((e) => e.change === 'created'),
        deleted: entries.at(-1)?.change === 'deleted',
        changes: foldChanges(entries.map((e) => e.changes)),
      };
    },
  );
}
