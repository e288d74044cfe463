/**
 * `/api/v1/tokens`: API tokens. Anyone signed in manages their own (`tokens:own`); other
 * people's need `tokens:admin`. A token is shown once, when it is made.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { can } from '../../core/access/index.ts';
import { TandemError } from '../../core/errors.ts';
import {
  appendAudit,
  findApiToken,
  findUserById,
  findUserByName,
  listApiTokens,
  revokeApiToken,
  type ApiTokenRow,
} from '../../store/index.ts';
import { callerOf } from '../access.ts';
import type { Caller } from '../auth.ts';
import type { ServerContext } from '../context.ts';
import * as s from '../identity-schemas.ts';
import { tokenView } from '../identity-views.ts';
import { issueToken } from '../issue-token.ts';

type Ctx = Pick<ServerContext, 'store' | 'clock' | 'auth'>;

/** The caller, who must hold `tokens:admin` to act on someone else's tokens. */
function callerFor(req: FastifyRequest, owner: string | undefined): Caller {
  const caller = callerOf(req);
  if (owner !== undefined && owner !== caller.username && !can(caller, 'tokens:admin'))
    throw new TandemError(
      'forbidden',
      `${caller.subject} may not manage the tokens of ${owner} (needs tokens:admin)`,
    );
  return caller;
}

const isOwn = (t: ApiTokenRow, c: Caller) =>
  t.user_id === c.userId || (t.user_id === null && t.subject === c.username);

export function tokenRoutes(app: FastifyInstance, ctx: Ctx): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/api/v1/tokens',
    {
      config: { access: 'tokens:own' },
      schema: {
        summary: 'Make an API token (for yourself, or with tokens:admin for `user`); shown once',
        body: z.strictObject({
          name: s.tokenName,
          scope: s.role.optional().describe('the most the token may do; at most its owner’s roles'),
          expires_in: s.expiresIn.optional(),
          user: s.username.optional(),
        }),
      },
    },
    async (req, reply) => {
      const caller = callerFor(req, req.body.user);
      const issued = await ctx.store.transaction(async (tx) => {
        const owner =
          req.body.user === undefined
            ? await findUserById(tx.db, caller.userId)
            : await findUserByName(tx.db, req.body.user);
        if (!owner) throw new TandemError('not_found', `no user ${req.body.user ?? caller.username}`);
        return issueToken(tx, {
          owner,
          name: req.body.name,
          scope: req.body.scope,
          expiresIn: req.body.expires_in,
          callerScope: caller.scope,
          actor: caller.subject,
          address: req.ip,
          now: ctx.clock(),
        });
      });
      return reply.code(201).send(issued);
    },
  );

  r.get(
    '/api/v1/tokens',
    {
      config: { access: 'tokens:own' },
      schema: {
        summary: 'Your tokens (never their secrets); with tokens:admin, `user` or `all`',
        querystring: z.strictObject({
          user: s.username.optional(),
          all: z.enum(['true', 'false']).optional(),
        }),
      },
    },
    async (req) => {
      const all = req.query.all === 'true';
      const caller = callerFor(req, all ? '*' : req.query.user);
      let of: Parameters<typeof listApiTokens>[1] = { userId: caller.userId, username: caller.username };
      if (all) of = 'all';
      else if (req.query.user !== undefined && req.query.user !== caller.username) {
        const user = await findUserByName(ctx.store.db, req.query.user);
        if (!user) throw new TandemError('not_found', `no user ${req.query.user}`);
        of = { userId: user.id, username: user.username };
      }
      const now = ctx.clock();
      return { tokens: (await listApiTokens(ctx.store.db, of)).map((t) => tokenView(t, now)) };
    },
  );

  r.delete(
    '/api/v1/tokens/:id',
    {
      config: { access: 'tokens:own' },
      schema: {
        summary: 'Revoke a token: it stops working at once on this server, within 5 s on the others',
        params: z.object({ id: s.rowId }),
      },
    },
    async (req) => {
      const caller = callerOf(req);
      const view = await ctx.store.transaction(async (tx) => {
        const token = await findApiToken(tx.db, req.params.id);
        // Someone else's token is as unknown as a missing one to a caller who may not manage it.
        if (!token || (!isOwn(token, caller) && !can(caller, 'tokens:admin')))
          throw new TandemError('not_found', `no token ${req.params.id} of yours`);
        const now = ctx.clock();
        if (await revokeApiToken(tx.db, token.id, now))
          await appendAudit(
            tx,
            {
              actor: caller.subject,
              action: 'token.revoked',
              target: `token:${token.id}`,
              address: req.ip,
              data: { user: token.subject, name: token.name },
            },
            now,
          );
        return tokenView({ ...token, revoked_at: token.revoked_at ?? now }, now);
      });
      ctx.auth.invalidate();
      return view;
    },
  );
}
