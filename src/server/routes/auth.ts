/**
 * `/api/v1/auth`: signing in with a password (a web session, or an API token for the CLI),
 * signing out, and who the caller is. Failed sign-ins are rate limited per username and address
 * and per address; a success forgives its username.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { can, permissions } from '../../core/access/index.ts';
import { TandemError } from '../../core/errors.ts';
import {
  appendAudit,
  deleteExpiredSessions,
  deleteSession,
  findApiToken,
  findSession,
  loadUserAccess,
  OWNER_SCOPE,
  type UserRow,
} from '../../store/index.ts';
import { callerOf } from '../access.ts';
import type { ServerContext } from '../context.ts';
import * as s from '../identity-schemas.ts';
import { userView } from '../identity-views.ts';
import { issueToken } from '../issue-token.ts';
import { LoginThrottle, rateLimitsFromEnv, tooManyAttempts } from '../rate-limit.ts';
import { signIn } from '../sign-in.ts';
import { clearSessionCookie, openSession, setSessionCookie } from '../web-session.ts';

type Ctx = Pick<ServerContext, 'store' | 'clock' | 'auth'>;

/** Loose on purpose: a username breaking the naming rules answers like an unknown one. */
const credentials = {
  username: s.text(256).min(1),
  password: z.string().min(1).max(1024),
};

export function authRoutes(app: FastifyInstance, ctx: Ctx, limits = rateLimitsFromEnv()): LoginThrottle {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const throttle = new LoginThrottle(limits.login, limits.loginAddress, ctx.clock);
  const deps = { store: ctx.store, clock: ctx.clock, throttle };

  const loginAudit = (user: UserRow, address: string, via: 'login' | 'token', method = 'password') => ({
    actor: user.username,
    action: 'session.login',
    target: `user:${user.username}`,
    address,
    data: { result: 'success', method, via },
  });

  r.post(
    '/api/v1/auth/login',
    {
      config: { access: 'public' },
      schema: {
        summary: 'Sign in with a password: sets the session cookie, answers the CSRF token for changes',
        security: [],
        body: z.strictObject(credentials),
      },
    },
    async (req, reply) => {
      const result = await signIn(deps, req, req.body, 'login');
      if ('retryAfterMs' in result) return tooManyAttempts(reply, result.retryAfterMs, 'failed sign-ins');
      const { user } = result;
      const session = await ctx.store.transaction(async (tx) => {
        const now = ctx.clock();
        // Sign-ins are rare enough to sweep ended sessions and OIDC sign-ins as they come.
        await deleteExpiredSessions(tx.db, now);
        const opened = await openSession(tx, {
          userId: user.id,
          source: 'password',
          address: req.ip,
          now,
          limits: ctx.auth.sessionLimits,
        });
        await appendAudit(tx, loginAudit(user, req.ip, 'login'), now);
        return opened;
      });
      setSessionCookie(req, reply, session.id, ctx.auth.sessionLimits);
      const access = await loadUserAccess(ctx.store.db, user.id);
      return { user: userView(user, access?.teams ?? []), csrf_token: session.csrfToken };
    },
  );

  r.post(
    '/api/v1/auth/tokens',
    {
      config: { access: 'public' },
      schema: {
        summary: 'Make an API token with a username and password (what `tandem login` does); shown once',
        security: [],
        body: z.strictObject({
          ...credentials,
          name: s.tokenName,
          scope: s.role.optional(),
          expires_in: s.expiresIn.optional(),
        }),
      },
    },
    async (req, reply) => {
      const b = req.body;
      const result = await signIn(deps, req, b, 'token');
      if ('retryAfterMs' in result) return tooManyAttempts(reply, result.retryAfterMs, 'failed sign-ins');
      const { user } = result;
      const issued = await ctx.store.transaction(async (tx) => {
        const now = ctx.clock();
        await appendAudit(tx, loginAudit(user, req.ip, 'token'), now);
        return issueToken(tx, {
          owner: user,
          name: b.name,
          scope: b.scope,
          expiresIn: b.expires_in,
          callerScope: 'admin',
          actor: user.username,
          address: req.ip,
          now,
        });
      });
      return reply.code(201).send(issued);
    },
  );

  r.post(
    '/api/v1/auth/logout',
    {
      config: { access: 'authenticated' },
      schema: { summary: 'Sign out: ends the web session and drops its cookie' },
    },
    async (req, reply) => {
      const caller = callerOf(req);
      if (caller.sessionHash !== null) {
        const hash = caller.sessionHash;
        await ctx.store.transaction(async (tx) => {
          if (await deleteSession(tx.db, hash))
            await appendAudit(
              tx,
              {
                actor: caller.subject,
                action: 'session.logout',
                target: `user:${caller.username}`,
                address: req.ip,
              },
              ctx.clock(),
            );
        });
        ctx.auth.invalidate();
      }
      clearSessionCookie(req, reply);
      return { signed_out: caller.sessionHash !== null };
    },
  );

  r.get(
    '/api/v1/auth/me',
    {
      config: { access: 'authenticated' },
      schema: {
        summary: 'The caller: user, teams, grants, what they may do, and the CSRF token of the session',
      },
    },
    async (req) => {
      const caller = callerOf(req);
      const access = await loadUserAccess(ctx.store.db, caller.userId);
      if (!access) throw new TandemError('unauthorized', 'sign in again');
      const session =
        caller.sessionHash === null ? undefined : await findSession(ctx.store.db, caller.sessionHash);
      const token = caller.tokenId === null ? undefined : await findApiToken(ctx.store.db, caller.tokenId);
      return {
        user: userView(access.user, access.teams),
        teams: access.teams,
        grants: access.grants,
        // null: the caller may do whatever their grants allow (a session, or a token without a scope).
        scope: token === undefined || token.role === OWNER_SCOPE ? null : caller.scope,
        permissions: permissions.filter((p) => can(caller, p)),
        csrf_token: session?.csrf_token ?? null,
      };
    },
  );

  return throttle;
}
