/** What the web console asks before anyone signs in: which ways of signing in this server offers. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { oidcSettingsFromEnv } from '../oidc.ts';

export function consoleSettingsRoutes(app: FastifyInstance): void {
  // Read once: the OIDC settings come from the environment of this process and do not change.
  let oidc = false;
  try {
    oidc = oidcSettingsFromEnv() !== undefined;
  } catch {
    // A broken OIDC setting stops the OIDC routes at start; the console then offers passwords only.
  }
  app.withTypeProvider<ZodTypeProvider>().get(
    '/api/v1/console/sign-in',
    {
      config: { access: 'public' },
      schema: {
        summary: 'The ways of signing in to the web console (password, OIDC)',
        security: [],
        querystring: z.strictObject({}),
      },
    },
    async () => ({ password: true, oidc }),
  );
}
