/**
 * The agent protocol: what `tandem agent` calls, always outbound from its site. An agent is
 * known by its own credential; the server decides its site and labels from its record, so an
 * agent only ever receives work (and secrets) of its own site.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { TandemError } from '../../core/errors.ts';
import { consumeEnrollmentToken, insertAgent, randomToken, uuidv7, findAgent } from '../../store/index.ts';
import { hashToken } from '../auth.ts';
import type { ServerContext } from '../context.ts';
import { recordAgentHost } from '../../engine/agent-facts.ts';

/** An agent's own credential: shown once at enrollment, stored hashed. */
export const AGENT_CREDENTIAL_PREFIX = 'tda_';
/** Long-polls answer within 30 s: under common proxy idle timeouts (60 s). */
const MAX_WAIT_MS = 30_000;

const lease = z.strictObject({
  runId: z.string().min(1).max(64),
  key: z.string().min(1).max(300),
  attempt: z.number().int().min(1),
  leaseToken: z.string().min(1).max(200),
});

const stepResult = z.strictObject({
  ok: z.boolean(),
  outputs: z.record(z.string(), z.string()).optional(),
  result: z.unknown().optional(),
  error: z.string().max(100_000).optional(),
  retryable: z.boolean().optional(),
});

const facts = z.record(z.string(), z.unknown()).optional();

export interface AgentCaller {
  id: string;
  site: string;
  labels: string[];
}

declare module 'fastify' {
  interface FastifyRequest {
    agentCaller: AgentCaller | null;
  }
}

const agentOf = (req: FastifyRequest): AgentCaller => {
  if (!req.agentCaller) throw new TandemError('unauthorized', 'agent credential required');
  return req.agentCaller;
};

export function agentProtocolRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/api/v1/agent/enroll',
    {
      config: { access: 'public' },
      schema: {
        summary: 'Exchange a one-time enrollment token for the agent’s own credential',
        security: [],
        body: z.strictObject({
          token: z.string().min(1).max(200),
          name: z
            .string()
            .regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$/, 'letters, digits, ".", "_", "@" and "-"'),
          labels: z
            .array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._/-]{0,62}$/))
            .max(64)
            .default([]),
          capacity: z.number().int().min(1).max(1024).default(4),
          version: z.string().max(100).optional(),
          facts,
        }),
      },
    },
    async (req, reply) => {
      const b = req.body;
      const credential = `${AGENT_CREDENTIAL_PREFIX}${randomToken(32)}`;
      const id = uuidv7();
      const now = ctx.clock();
      const enrolled = await ctx.store.transaction(async (tx) => {
        const used = await consumeEnrollmentToken(tx.db, { tokenHash: hashToken(b.token), agentId: id, now });
        if ('refused' in used) throw new TandemError('unauthorized', used.refused);
        if (await findAgent(tx.db, b.name))
          throw new TandemError('conflict', `an agent named ${b.name} exists; choose another --name`);
        await insertAgent(tx.db, {
          id,
          name: b.name,
          site: used.site,
          labels: [...new Set(b.labels)].sort(),
          capacity: b.capacity,
          version: b.version ?? null,
          facts: b.facts ?? null,
          credentialHash: hashToken(credential),
          now,
        });
        return used.site;
      });
      ctx.log.info({ agent: id, name: b.name, site: enrolled }, 'agent enrolled');
      if (b.facts !== undefined) await recordAgentHost(ctx, id, b.facts);
      return reply.code(201).send({ agent_id: id, name: b.name, site: enrolled, credential });
    },
  );

  r.post(
    '/api/v1/agent/claim',
    {
      config: { access: 'agent' },
      schema: {
        summary: 'Claim ready steps of the agent’s site (long-poll)',
        body: z.strictObject({
          max: z.number().int().min(0).max(256),
          wait_ms: z.number().int().min(0).max(MAX_WAIT_MS).default(0),
        }),
      },
    },
    async (req, reply) => {
      const agent = agentOf(req);
      await ctx.agents.seen(agent.id);
      // The response closing before it was sent means the agent went away (its connection
      // closed): stop waiting, so no step is claimed for an agent that will never see it.
      // (The request's own 'close' only says its body has been read.)
      const gone = new AbortController();
      const onClose = () => {
        if (!reply.raw.writableEnded) gone.abort();
      };
      reply.raw.on('close', onClose);
      try {
        const signal = AbortSignal.any([gone.signal, ctx.shutdown]);
        const steps = await ctx.agents.claimWaiting(agent, req.body.max, req.body.wait_ms, signal, ctx.ready);
        return { steps };
      } finally {
        reply.raw.off('close', onClose);
      }
    },
  );

  r.post(
    '/api/v1/agent/heartbeat',
    {
      config: { access: 'agent' },
      schema: {
        summary: 'Extend leases; answers the ones lost (stop those steps)',
        body: z.strictObject({ leases: z.array(lease).max(1024), draining: z.boolean().optional(), facts }),
      },
    },
    async (req) => {
      const agent = agentOf(req);
      await ctx.agents.seen(agent.id, {
        ...(req.body.draining === undefined ? {} : { draining: req.body.draining }),
        ...(req.body.facts === undefined ? {} : { facts: req.body.facts }),
      });
      return { lost: await ctx.agents.heartbeat(agent.id, req.body.leases) };
    },
  );

  r.post(
    '/api/v1/agent/complete',
    {
      config: { access: 'agent' },
      schema: {
        summary: 'Report results (accepted once, fenced by lease); optionally claim more',
        body: z.strictObject({
          results: z.array(lease.extend({ result: stepResult })).max(1024),
          claim_more: z.number().int().min(0).max(256).default(0),
        }),
      },
    },
    async (req) => {
      const agent = agentOf(req);
      const res = await ctx.agents.complete(agent, req.body.results, req.body.claim_more);
      return { accepted: res.accepted, claimed: res.claimed };
    },
  );

  r.post(
    '/api/v1/agent/logs',
    {
      config: { access: 'agent' },
      schema: {
        summary: 'Append log chunks of attempts the agent holds',
        body: z.strictObject({
          chunks: z
            .array(
              z.strictObject({
                runId: z.string().min(1).max(64),
                key: z.string().min(1).max(300),
                attempt: z.number().int().min(1),
                stream: z.enum(['stdout', 'stderr']),
                data: z.string().max(1024 * 1024),
              }),
            )
            .max(10_000),
        }),
      },
      bodyLimit: 16 * 1024 * 1024,
    },
    async (req) => {
      const agent = agentOf(req);
      return { dropped: await ctx.agents.appendLogs(agent.id, req.body.chunks) };
    },
  );
}

/** Resolve the agent calling, from its credential (cached briefly: revocation acts within 5 s). */
export class AgentAuthenticator {
  private cache = new Map<string, { agent: AgentCaller | null; until: number }>();
  constructor(private readonly ctx: Pick<ServerContext, 'store' | 'clock'>) {}

  async authenticate(req: FastifyRequest): Promise<AgentCaller> {
    const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!match?.[1]?.startsWith(AGENT_CREDENTIAL_PREFIX))
      throw new TandemError('unauthorized', 'agent credential required: send "Authorization: Bearer tda_…"');
    const hash = hashToken(match[1]);
    const now = this.ctx.clock();
    const hit = this.cache.get(hash);
    let agent = hit && hit.until > now ? hit.agent : undefined;
    if (agent === undefined) {
      const row = await this.ctx.store.db
        .selectFrom('agents')
        .select(['id', 'site', 'labels', 'status'])
        .where('credential_hash', '=', hash)
        .executeTakeFirst();
      agent =
        row && row.status !== 'revoked'
          ? { id: row.id, site: row.site, labels: JSON.parse(row.labels) as string[] }
          : null;
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(hash, { agent, until: now + 5_000 });
    }
    if (!agent) throw new TandemError('unauthorized', 'unknown or revoked agent credential');
    return agent;
  }
}
