/**
 * `/api/v1/secrets`: set, list and delete secret values. No answer ever carries a value: a
 * value goes in here and comes out only to an agent claiming a step of its site.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { TandemError } from '../../core/errors.ts';
import { SECRET_NAME } from '../../core/secret-ref.ts';
import {
  ALL_SITES,
  deleteSecret,
  listSecrets,
  MAX_SECRET_BYTES,
  setSecret,
  type MasterKey,
  type SecretInfo,
} from '../../secrets/index.ts';
import type { ServerContext } from '../context.ts';
import { audited } from '../audited.ts';

const iso = (ms: number) => new Date(ms).toISOString();

function secretView(s: SecretInfo) {
  return {
    name: s.name,
    site: s.site,
    key_id: s.keyId,
    created_by: s.createdBy,
    created_at: iso(s.createdAt),
    updated_at: iso(s.updatedAt),
  };
}

const name = z.object({
  name: z.string().regex(SECRET_NAME, 'a letter or _ then up to 127 letters, digits, _ or -'),
});
const site = z.string().min(1).max(128).describe(`a site, or ${ALL_SITES} (the default) for every site`);

/** The secret routes; they use the store, the clock and the log of `ctx`, and `key` to encrypt. */
export function secretRoutes(
  app: FastifyInstance,
  ctx: Pick<ServerContext, 'store' | 'clock' | 'log'>,
  key: MasterKey,
): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.put(
    '/api/v1/secrets/:name',
    {
      config: { access: 'secrets:write' },
      schema: {
        summary:
          'Set a secret for a site or every site (201 created, 200 replaced); the value is never answered',
        params: name,
        body: z.strictObject({
          // Bytes are checked by the store; this bounds the characters before any work is done.
          value: z.string().min(1).max(MAX_SECRET_BYTES),
          site: site.optional(),
        }),
      },
    },
    async (req, reply) => {
      const at = { name: req.params.name, site: req.body.site ?? ALL_SITES };
      const { created } = await audited(
        ctx,
        req,
        (tx) =>
          setSecret(tx.db, key, {
            ...at,
            value: req.body.value,
            actor: req.caller!.subject,
            now: ctx.clock(),
          }),
        (res) => ({
          action: 'secret.set',
          target: `secret:${at.name}`,
          data: { site: at.site, created: res.created },
        }),
      );
      ctx.log.info({ secret: at.name, site: at.site, actor: req.caller!.subject, created }, 'secret set');
      return reply.code(created ? 201 : 200).send({ ...at, created });
    },
  );

  r.get(
    '/api/v1/secrets',
    {
      config: { access: 'secrets:read' },
      schema: { summary: 'Every secret: names, sites and times, no values' },
    },
    async () => ({
      secrets: (await listSecrets(ctx.store.db)).map(secretView),
    }),
  );

  r.delete(
    '/api/v1/secrets/:name',
    {
      config: { access: 'secrets:write' },
      schema: {
        summary: 'Delete the value of a secret for a site (default: the one for every site)',
        params: name,
        querystring: z.object({ site: site.optional() }),
      },
    },
    async (req) => {
      const at = { name: req.params.name, site: req.query.site ?? ALL_SITES };
      const deleted = await audited(
        ctx,
        req,
        (tx) => deleteSecret(tx.db, at),
        (ok) =>
          ok ? { action: 'secret.deleted', target: `secret:${at.name}`, data: { site: at.site } } : null,
      );
      if (!deleted) throw new TandemError('not_found', `secret ${at.name} is not set for site ${at.site}`);
      ctx.log.info({ secret: at.name, site: at.site, actor: req.caller!.subject }, 'secret deleted');
      return { ...at, deleted: true };
    },
  );
}
