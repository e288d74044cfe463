/** The HTTP API: Fastify with zod-validated routes, bearer-token auth and an OpenAPI document. */
import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { ServerContext } from './context.ts';
import { errorHandler } from './errors.ts';
import { checkRouteAccess, enforceDeclaredAccess, routeAccess } from './access.ts';
import { runbookRoutes } from './routes/runbooks.ts';
import { runRoutes } from './routes/runs.ts';
import { taskRoutes } from './routes/tasks.ts';
import { commentRoutes } from './routes/comments.ts';
import { AgentAuthenticator, agentProtocolRoutes } from './routes/agent-protocol.ts';
import { secretRoutes } from './routes/secrets.ts';
import { auditRoutes } from './routes/audit.ts';
import { notificationRoutes } from './routes/notifications.ts';
import { siteRoutes } from './routes/sites.ts';
import { estateRoutes } from './routes/estate.ts';
import { eventRoutes } from './routes/events.ts';
import { incidentRoutes } from './routes/incidents.ts';
import { oncallRoutes } from './routes/oncall.ts';
import { probeRoutes } from './routes/probes.ts';
import { ruleRoutes } from './routes/rules.ts';
import { scheduleRoutes } from './routes/schedules.ts';
import { scalingRoutes } from './routes/scaling.ts';
import { reportRoutes } from './routes/reports.ts';
import { kbRoutes } from './routes/kb.ts';
import { sloRoutes } from './routes/slo.ts';
import { identityRoutes } from './routes/identity.ts';
import { tokenRoutes } from './routes/tokens.ts';
import { authRoutes } from './routes/auth.ts';
import { oidcRoutes } from './routes/oidc.ts';
import { BearerThrottle, rateLimitsFromEnv, tooManyAttempts } from './rate-limit.ts';
import { consoleRoutes } from './static.ts';
import { VERSION } from '../version.ts';

export async function buildApp(
  ctx: ServerContext,
  tls?: { cert: string; key: string },
): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    bodyLimit: 1024 * 1024,
    return503OnClosing: true,
    ...(tls ? { https: { cert: tls.cert, key: tls.key } } : {}),
  }) as unknown as FastifyInstance;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler(ctx.log));
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({
      error: { code: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}`, details: [] },
    }),
  );
  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'Tandem API',
        version: VERSION,
        description: 'Runbooks run as durable, collaborative workflows',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });

  const agentAuth = new AgentAuthenticator(ctx);
  app.decorateRequest('caller', null);
  app.decorateRequest('agentCaller', null);
  enforceDeclaredAccess(app, ctx.routes);
  const limits = rateLimitsFromEnv();
  const bearer = new BearerThrottle(limits.bearer, ctx.clock);
  // Agents call their routes with their own credential; user tokens are not accepted there.
  app.addHook('onRequest', async (req, reply) => {
    const access = routeAccess(req);
    if (access === undefined || access === 'public') return;
    if (access === 'agent') req.agentCaller = await agentAuth.authenticate(req);
    else {
      const wait = bearer.retryAfter(req);
      if (wait > 0) return tooManyAttempts(reply, wait, 'refused tokens');
      req.caller = await bearer.watch(req, () => ctx.auth.authenticate(req));
      checkRouteAccess(req);
    }
  });

  app.get(
    '/api/v1/health',
    { config: { access: 'public' }, schema: { summary: 'Liveness and the store in use', security: [] } },
    async () => ({
      status: 'ok',
      version: VERSION,
      store: ctx.store.dialect.name,
    }),
  );
  app.get('/api/openapi.json', { config: { access: 'public' }, schema: { hide: true } }, async () =>
    app.swagger(),
  );

  runbookRoutes(app, ctx);
  runRoutes(app, ctx);
  taskRoutes(app, ctx);
  commentRoutes(app, ctx);
  siteRoutes(app, ctx);
  estateRoutes(app, ctx);
  eventRoutes(app, ctx);
  incidentRoutes(app, ctx);
  oncallRoutes(app, ctx);
  probeRoutes(app, ctx);
  ruleRoutes(app, ctx);
  scheduleRoutes(app, ctx);
  scalingRoutes(app, ctx);
  reportRoutes(app, ctx);
  kbRoutes(app, ctx);
  sloRoutes(app, ctx, { prometheusUrl: process.env.TANDEM_PROMETHEUS_URL || null });
  secretRoutes(app, ctx, ctx.masterKey);
  identityRoutes(app, ctx);
  tokenRoutes(app, ctx);
  authRoutes(app, ctx, limits);
  oidcRoutes(app, ctx);
  agentProtocolRoutes(app, ctx);
  auditRoutes(app, ctx);
  notificationRoutes(app, ctx);
  // Last: the console's catch-all answers only what no API route took.
  await consoleRoutes(app, ctx.log);
  return app;
}
