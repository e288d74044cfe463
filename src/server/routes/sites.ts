/** Sites, agent enrollment tokens, and the agents of each site. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { TandemError } from '../../core/errors.ts';
import { parseDuration } from '../../core/runbook/index.ts';
import { DURATION_PATTERN } from '../../core/runbook/model.ts';
import {
  addKnownHost,
  knownHostsOf,
  findAgent,
  findSite,
  insertEnrollmentToken,
  listAgents,
  listSites,
  randomToken,
  revokeAgent,
  upsertSite,
  uuidv7,
  type AgentRow,
  type SiteRow,
} from '../../store/index.ts';
import { hashToken } from '../auth.ts';
import type { ServerContext } from '../context.ts';
import { audited } from '../audited.ts';

export const SITE_KINDS = ['idc', 'public-cloud', 'private-cloud', 'edge', 'k8s'] as const;
/** An agent unheard of for this long is offline: two missed 30 s long-polls. */
export const OFFLINE_AFTER_MS = 65_000;
/** Enrollment tokens live 1 h by default and 7 days at most. */
const DEFAULT_TOKEN_TTL = '1h';
const MAX_TOKEN_TTL_MS = 7 * 24 * 3600_000;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const siteName = z
  .string()
  .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'lower-case letters, digits and "-"');

function siteView(s: SiteRow) {
  return {
    name: s.name,
    kind: s.kind,
    provider: s.provider,
    region: s.region,
    labels: JSON.parse(s.labels) as Record<string, string>,
    description: s.description,
    created_at: iso(s.created_at),
    updated_at: iso(s.updated_at),
  };
}

export function agentView(a: AgentRow, now: number) {
  const online = a.last_seen_at !== null && now - a.last_seen_at < OFFLINE_AFTER_MS;
  const state =
    a.status === 'revoked'
      ? 'revoked'
      : !online
        ? 'offline'
        : a.status === 'draining'
          ? 'draining'
          : 'online';
  return {
    id: a.id,
    name: a.name,
    site: a.site,
    labels: JSON.parse(a.labels) as string[],
    capacity: a.capacity,
    version: a.version,
    state,
    embedded: a.credential_hash === null && a.status !== 'revoked',
    facts: a.facts === null ? null : (JSON.parse(a.facts) as unknown),
    last_seen_at: iso(a.last_seen_at),
    created_at: iso(a.created_at),
  };
}

export function siteRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/api/v1/sites',
    {
      config: { access: 'sites:write' },
      schema: {
        summary: 'Create or update a site',
        body: z.strictObject({
          name: siteName,
          kind: z.enum(SITE_KINDS),
          provider: z.string().max(64).optional(),
          region: z.string().max(64).optional(),
          labels: z.record(z.string().max(63), z.string().max(255)).optional(),
          description: z.string().max(2000).optional(),
        }),
      },
    },
    async (req, reply) => {
      const created = await audited(
        ctx,
        req,
        (tx) => upsertSite(tx.db, req.body, ctx.clock()),
        (isNew) => ({ action: isNew ? 'site.created' : 'site.updated', target: `site:${req.body.name}` }),
      );
      const site = await findSite(ctx.store.db, req.body.name);
      return reply.code(created ? 201 : 200).send(siteView(site!));
    },
  );

  r.get(
    '/api/v1/sites',
    { config: { access: 'sites:read' }, schema: { summary: 'Every site' } },
    async () => ({
      sites: (await listSites(ctx.store.db)).map(siteView),
    }),
  );

  r.get(
    '/api/v1/sites/:name',
    {
      config: { access: 'sites:read' },
      schema: { summary: 'A site and its agents', params: z.object({ name: z.string().max(63) }) },
    },
    async (req) => {
      const site = await findSite(ctx.store.db, req.params.name);
      if (!site) throw new TandemError('not_found', `site ${req.params.name} does not exist`);
      const now = ctx.clock();
      return {
        ...siteView(site),
        agents: (await listAgents(ctx.store.db, site.name)).map((a) => agentView(a, now)),
      };
    },
  );

  r.post(
    '/api/v1/agents/enrollment-tokens',
    {
      config: { access: 'agents:write' },
      schema: {
        summary: 'A one-time, expiring token an agent of the site enrolls with (shown once)',
        body: z.strictObject({
          site: siteName,
          ttl: z.string().regex(DURATION_PATTERN, 'a duration such as 30m or 24h').default(DEFAULT_TOKEN_TTL),
        }),
      },
    },
    async (req, reply) => {
      const ttl = parseDuration(req.body.ttl);
      if (ttl <= 0 || ttl > MAX_TOKEN_TTL_MS)
        throw new TandemError('invalid_input', 'ttl must be between 1s and 7d', {
          details: [{ path: 'body.ttl', message: 'between 1s and 7d' }],
        });
      if (!(await findSite(ctx.store.db, req.body.site)))
        throw new TandemError('not_found', `site ${req.body.site} does not exist: create it first`);
      const token = `tde_${randomToken(24)}`;
      const now = ctx.clock();
      const id = uuidv7();
      await audited(
        ctx,
        req,
        (tx) =>
          insertEnrollmentToken(tx.db, {
            id,
            tokenHash: hashToken(token),
            site: req.body.site,
            expiresAt: now + ttl,
            createdBy: req.caller!.subject,
            now,
          }),
        () => ({
          action: 'enrollment_token.created',
          target: `site:${req.body.site}`,
          data: { id, ttl: req.body.ttl },
        }),
      );
      return reply.code(201).send({ token, site: req.body.site, expires_at: iso(now + ttl) });
    },
  );

  r.get(
    '/api/v1/agents',
    {
      config: { access: 'agents:read' },
      schema: {
        summary: 'Agents with their state',
        querystring: z.strictObject({ site: z.string().max(63).optional() }),
      },
    },
    async (req) => {
      const now = ctx.clock();
      return { agents: (await listAgents(ctx.store.db, req.query.site)).map((a) => agentView(a, now)) };
    },
  );

  const agentParam = z.object({ id: z.string().min(1).max(128) });
  r.get(
    '/api/v1/agents/:id',
    { config: { access: 'agents:read' }, schema: { summary: 'An agent', params: agentParam } },
    async (req) => {
      const agent = await findAgent(ctx.store.db, req.params.id);
      if (!agent) throw new TandemError('not_found', `agent ${req.params.id} does not exist`);
      return agentView(agent, ctx.clock());
    },
  );

  r.post(
    '/api/v1/agents/:id/revoke',
    {
      config: { access: 'agents:write' },
      schema: { summary: 'Revoke an agent’s credential at once', params: agentParam },
    },
    async (req) => {
      const agent = await findAgent(ctx.store.db, req.params.id);
      if (!agent) throw new TandemError('not_found', `agent ${req.params.id} does not exist`);
      const revoked = await audited(
        ctx,
        req,
        (tx) => revokeAgent(tx.db, agent.id, ctx.clock()),
        (ok) =>
          ok ? { action: 'agent.revoked', target: `agent:${agent.id}`, data: { site: agent.site } } : null,
      );
      if (!revoked) throw new TandemError('conflict', `agent ${agent.name} is already revoked`);
      return { id: agent.id, state: 'revoked' };
    },
  );

  const hostKey = z.strictObject({
    host: z.string().min(1).max(255),
    port: z.number().int().min(1).max(65535).default(22),
    /** A known_hosts key: `ssh-ed25519 AAAA…` (a trailing comment is ignored). */
    key: z
      .string()
      .regex(
        /^(ssh-[a-z0-9-]+|ecdsa-sha2-[a-z0-9-]+|sk-[a-z0-9@.-]+) [A-Za-z0-9+/=]+( .*)?$/,
        'a key line: TYPE BASE64 [comment]',
      ),
  });
  r.post(
    '/api/v1/sites/:name/known-hosts',
    {
      config: { access: 'sites:write' },
      schema: {
        summary: 'Trust an SSH host key for hosts of the site',
        params: z.object({ name: z.string().max(63) }),
        body: hostKey,
      },
    },
    async (req, reply) => {
      if (!(await findSite(ctx.store.db, req.params.name)))
        throw new TandemError('not_found', `site ${req.params.name} does not exist`);
      const [keyType, publicKey] = req.body.key.split(' ') as [string, string];
      const created = await audited(
        ctx,
        req,
        (tx) =>
          addKnownHost(
            tx.db,
            req.params.name,
            { host: req.body.host, port: req.body.port, keyType, publicKey },
            ctx.clock(),
          ),
        () => ({
          action: 'known_host.added',
          target: `site:${req.params.name}`,
          data: { host: req.body.host, port: req.body.port, key_type: keyType },
        }),
      );
      return reply
        .code(created ? 201 : 200)
        .send({ site: req.params.name, host: req.body.host, port: req.body.port, key_type: keyType });
    },
  );
  r.get(
    '/api/v1/sites/:name/known-hosts',
    {
      config: { access: 'sites:read' },
      schema: {
        summary: 'The SSH host keys the site trusts',
        params: z.object({ name: z.string().max(63) }),
      },
    },
    async (req) => ({
      known_hosts: (await knownHostsOf(ctx.store.db, req.params.name)).map((k) => ({
        host: k.host,
        port: k.port,
        key_type: k.keyType,
        public_key: k.publicKey,
      })),
    }),
  );
}
