/**
 * `/api/v1/auth/oidc`: sign in with the OpenID Connect provider set by `TANDEM_OIDC_*`. `login`
 * sends the browser to the provider; `callback` is where the provider sends it back, signed in.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorMessage, isTandemError, TandemError } from '../../core/errors.ts';
import { appendAudit, takeOidcLogin } from '../../store/index.ts';
import type { ServerContext } from '../context.ts';
import { OIDC_CALLBACK_PATH, OidcSignIn, oidcSettingsFromEnv, type OidcSettings } from '../oidc.ts';
import { RateLimiter, tooManyAttempts } from '../rate-limit.ts';
import { text } from '../identity-schemas.ts';
import { setSessionCookie } from '../web-session.ts';

type Ctx = Pick<ServerContext, 'store' | 'clock' | 'auth' | 'log'>;

export function oidcRoutes(
  app: FastifyInstance,
  ctx: Ctx,
  settings: OidcSettings | undefined = oidcSettingsFromEnv(),
): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const oidc =
    settings &&
    new OidcSignIn(settings, {
      store: ctx.store,
      clock: ctx.clock,
      log: ctx.log,
      sessionLimits: ctx.auth.sessionLimits,
    });
  // Each start stores a row: 30 a minute per address bounds what an anonymous flood can add.
  const starts = new RateLimiter({ limit: 30, windowMs: 60_000 }, ctx.clock);

  const configured = (): OidcSignIn => {
    if (!oidc)
      throw new TandemError(
        'not_found',
        'OIDC sign-in is not configured on this server (TANDEM_OIDC_ISSUER)',
      );
    return oidc;
  };
  const redirectUri = (req: FastifyRequest) =>
    settings?.redirectUrl ?? `${req.protocol}://${req.host}${OIDC_CALLBACK_PATH}`;

  const auditFailure = (req: FastifyRequest, reason: string) =>
    ctx.store.transaction((tx) =>
      appendAudit(
        tx,
        {
          actor: 'anonymous',
          action: 'session.login',
          target: 'oidc',
          address: req.ip,
          data: { result: 'failure', method: 'oidc', reason: reason.slice(0, 500) },
        },
        ctx.clock(),
      ),
    );

  r.get(
    '/api/v1/auth/oidc/login',
    {
      config: { access: 'public' },
      schema: {
        summary: 'Sign in with the OIDC provider: redirects there (302)',
        security: [],
        querystring: z.strictObject({
          return_to: text(2000).optional().describe('a local path to come back to (default /)'),
        }),
      },
    },
    async (req, reply) => {
      const sign = configured();
      const wait = starts.retryAfter(req.ip);
      if (wait > 0) return tooManyAttempts(reply, wait, 'sign-ins');
      starts.hit(req.ip);
      const url = await sign.start(redirectUri(req), req.query.return_to);
      return reply.redirect(url.href, 302);
    },
  );

  r.get(
    '/api/v1/auth/oidc/callback',
    {
      config: { access: 'public' },
      schema: {
        summary: 'Where the OIDC provider sends the browser back: opens a session, redirects (302)',
        security: [],
        // Providers add parameters of their own (iss, session_state…): only these are read here.
        querystring: z.object({
          state: z
            .string()
            .regex(/^[A-Za-z0-9_-]{1,512}$/, 'the state Tandem sent')
            .optional(),
          code: text(4096).optional(),
          error: text(256).optional(),
          error_description: text(2000).optional(),
        }),
      },
    },
    async (req, reply) => {
      const sign = configured();
      const q = req.query;
      const login =
        q.state === undefined ? undefined : await takeOidcLogin(ctx.store.db, q.state, ctx.clock());
      if (q.error !== undefined) {
        const reason = `the provider refused the sign-in: ${q.error}${q.error_description ? ` (${q.error_description})` : ''}`;
        await auditFailure(req, reason);
        throw new TandemError('unauthorized', reason);
      }
      if (!login)
        throw new TandemError('invalid_input', 'this sign-in has expired or was already used: start again');
      const current = new URL(redirectUri(req));
      current.search = new URL(req.url, 'http://callback').search;
      let done;
      try {
        done = await sign.finish(current, login, req.ip);
      } catch (err: unknown) {
        if (!isTandemError(err, 'unavailable')) await auditFailure(req, errorMessage(err));
        throw err;
      }
      ctx.auth.invalidate();
      setSessionCookie(req, reply, done.session.id, ctx.auth.sessionLimits);
      return reply.redirect(done.returnTo, 302);
    },
  );
}
