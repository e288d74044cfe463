/**
 * A Fastify app with the notification routes as the server mounts them: zod validation, the API's
 * error answers, bearer-token callers and their route permissions.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { silentLogger } from '../../src/engine/deps.ts';
import type { MasterKey } from '../../src/secrets/index.ts';
import { checkRouteAccess } from '../../src/server/access.ts';
import { ensureAdmin, Authenticator } from '../../src/server/auth.ts';
import { errorHandler } from '../../src/server/errors.ts';
import { notificationRoutes } from '../../src/server/routes/notifications.ts';
import type { Store } from '../../src/store/index.ts';

export const ADMIN_TOKEN = 'notify-tests-admin-token-0123456789';

export async function notifyApp(store: Store, key: MasterKey): Promise<FastifyInstance> {
  await ensureAdmin(store, ADMIN_TOKEN, Date.now());
  const auth = new Authenticator(store, Date.now);
  const app = Fastify({ logger: false });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler(silentLogger));
  app.decorateRequest('caller', null);
  app.addHook('onRequest', async (req) => {
    req.caller = await auth.authenticate(req);
    checkRouteAccess(req);
  });
  notificationRoutes(app, { store, clock: Date.now, log: silentLogger, masterKey: key });
  await app.ready();
  return app;
}
