/**
 * `/api/v1/probes`: interval probes (apply, list, show, delete), their results as a time series,
 * and the cross-site reachability matrix. Reading needs `events:read`, changing `events:write`.
 *
 * Also the two probe calls of the agent protocol, with the agent's own credential: an agent asks
 * which probes it runs (`POST /api/v1/agent/probes`) and sends their results in batches
 * (`POST /api/v1/agent/probe-results`). They sit beside the step calls rather than inside
 * heartbeats, so older agents and servers keep working with each other.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { TandemError } from '../../core/errors.ts';
import { parseProbe, parseProbeValue, PROBE_NAME, probeSites, type Matrix } from '../../core/probes/index.ts';
import { parseDuration } from '../../core/runbook/index.ts';
import { DURATION_PATTERN } from '../../core/runbook/model.ts';
import {
  acceptResults,
  assignmentsFor,
  currentMatrix,
  deleteProbe,
  getProbe,
  listCells,
  listProbes,
  listResults,
  probeSitesOfStore,
  putProbe,
  type StoredProbe,
} from '../../probes/index.ts';
import { callerOf } from '../access.ts';
import { audited } from '../audited.ts';
import type { ServerContext } from '../context.ts';

const iso = (ms: number) => new Date(ms).toISOString();
const nameParams = z.object({ name: z.string().regex(PROBE_NAME, 'a probe name') });

function probeView(p: StoredProbe) {
  return {
    name: p.name,
    description: p.description,
    service: p.service,
    sites: p.sites,
    interval_ms: p.intervalMs,
    timeout_ms: p.timeoutMs,
    failures: p.failures,
    check: p.check,
    version: p.version,
    created_by: p.createdBy,
    created_at: iso(p.createdAt),
    updated_at: iso(p.updatedAt),
  };
}

export function matrixView(m: Matrix) {
  return {
    at: iso(m.at),
    sites: m.sites,
    services: m.services.map((s) => ({
      service: s.service,
      status: s.status,
      probes: s.probes,
      cells: s.cells.map((c) => ({
        site: c.site,
        state: c.state,
        failing: c.failing,
        latency_ms: c.latencyMs,
        at: c.at === null ? null : iso(c.at),
      })),
    })),
  };
}

const agentOf = (req: FastifyRequest) => {
  if (!req.agentCaller) throw new TandemError('unauthorized', 'agent credential required');
  return req.agentCaller;
};

export function probeRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/api/v1/probes',
    {
      config: { access: 'events:write' },
      schema: {
        summary: 'Apply a probe (kind: Probe, as YAML or JSON); the same definition again is a no-op',
      },
    },
    async (req, reply) => {
      const body: unknown = req.body;
      const p = typeof body === 'string' ? parseProbe(body) : parseProbeValue(body);
      const res = await audited(
        ctx,
        req,
        (tx) => putProbe(tx.db, p, callerOf(req).subject, ctx.clock()),
        (done) =>
          done.change === 'unchanged'
            ? null
            : {
                action: `probe.${done.change}`,
                target: `probe:${p.name}`,
                data: { version: done.version, service: p.service },
              },
      );
      return reply.code(res.change === 'created' ? 201 : 200).send({ name: p.name, ...res });
    },
  );

  r.get(
    '/api/v1/probes',
    { config: { access: 'events:read' }, schema: { summary: 'Every probe, with the sites it runs at' } },
    async () => {
      const sites = await probeSitesOfStore(ctx.store.db);
      return {
        probes: (await listProbes(ctx.store.db)).map((p) => ({
          ...probeView(p),
          run_at: probeSites(p, sites),
        })),
      };
    },
  );

  r.get(
    '/api/v1/probes/matrix',
    {
      config: { access: 'events:read' },
      schema: {
        summary:
          'The reachability matrix: for each service, which sites reach it; sites cut off, services down',
      },
    },
    async () => matrixView(await currentMatrix(ctx.store, ctx.clock())),
  );

  r.get(
    '/api/v1/probes/:name',
    {
      config: { access: 'events:read' },
      schema: { summary: 'A probe with its latest result at each site', params: nameParams },
    },
    async (req) => {
      const p = await getProbe(ctx.store.db, req.params.name);
      const sites = await probeSitesOfStore(ctx.store.db);
      const cells = (await listCells(ctx.store.db)).filter((c) => c.probe === p.name);
      return {
        ...probeView(p),
        run_at: probeSites(p, sites),
        latest: cells.map((c) => ({
          site: c.site,
          at: iso(c.at),
          ok: c.ok,
          failures: c.failures,
          latency_ms: c.latencyMs,
          error: c.error,
        })),
      };
    },
  );

  r.get(
    '/api/v1/probes/:name/results',
    {
      config: { access: 'events:read' },
      schema: {
        summary: 'A probe’s results, newest first (raw results are kept for 7 days)',
        params: nameParams,
        querystring: z.strictObject({
          site: z.string().max(63).optional(),
          since: z.string().regex(DURATION_PATTERN, 'a duration back from now, e.g. 1h').optional(),
          limit: z.coerce.number().int().min(1).max(10_000).default(500),
        }),
      },
    },
    async (req) => {
      await getProbe(ctx.store.db, req.params.name);
      const q = req.query;
      const results = await listResults(ctx.store.db, {
        probe: req.params.name,
        limit: q.limit,
        ...(q.site === undefined ? {} : { site: q.site }),
        ...(q.since === undefined ? {} : { since: ctx.clock() - parseDuration(q.since) }),
      });
      return {
        results: results.map((x) => ({
          site: x.site,
          agent: x.agent,
          at: iso(x.at),
          ok: x.ok,
          latency_ms: x.latencyMs,
          error: x.error,
        })),
      };
    },
  );

  r.delete(
    '/api/v1/probes/:name',
    { config: { access: 'events:write' }, schema: { summary: 'Delete a probe', params: nameParams } },
    async (req, reply) => {
      const n = req.params.name;
      await audited(
        ctx,
        req,
        async (tx) => {
          if (!(await deleteProbe(tx.db, n))) throw new TandemError('not_found', `no probe ${n}`);
        },
        () => ({ action: 'probe.deleted', target: `probe:${n}` }),
      );
      return reply.code(204).send();
    },
  );

  r.post(
    '/api/v1/agent/probes',
    {
      config: { access: 'agent' },
      schema: { summary: 'The probes this agent runs (a share of its site’s)', body: z.strictObject({}) },
    },
    async (req) => {
      const agent = agentOf(req);
      await ctx.agents.seen(agent.id);
      return { probes: await assignmentsFor(ctx.store, agent, ctx.clock()) };
    },
  );

  r.post(
    '/api/v1/agent/probe-results',
    {
      config: { access: 'agent' },
      schema: {
        summary: 'Report probe results, each with how long ago it was measured',
        body: z.strictObject({
          results: z
            .array(
              z.strictObject({
                probe: z.string().regex(PROBE_NAME),
                ageMs: z.number().int().min(0),
                ok: z.boolean(),
                latencyMs: z.number().int().min(0).nullable(),
                error: z.string().max(10_000).nullable(),
              }),
            )
            .max(10_000),
        }),
      },
      bodyLimit: 16 * 1024 * 1024,
    },
    async (req) => {
      const agent = agentOf(req);
      await ctx.agents.seen(agent.id);
      return acceptResults(ctx.store, agent, req.body.results, ctx.clock());
    },
  );
}
