/**
 * The web console: the Vite build in `dist/web`, served on the API's port. Every console path
 * that is not a file answers `index.html` (the console routes in the browser); `/api/` paths
 * keep the API's JSON 404. Without a build the API still works and `/` says how to build.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../engine/deps.ts';
import { consoleSettingsRoutes } from './routes/console.ts';

/** Where `npm run build:web` (vite build) writes the console. */
export const CONSOLE_DIR = fileURLToPath(new URL('../../dist/web/', import.meta.url));

/**
 * Console pages load only their own scripts, styles and API (no inline script or style, no
 * other origin), are never framed, and send no Referer: links out of the console leak no run ids.
 */
export const CONSOLE_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'cross-origin-opener-policy': 'same-origin',
};

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Tandem</title></head>
<body><h1>Tandem</h1>
<p>The web console is not built. In the Tandem folder run <code>npm run build:web</code>,
then restart <code>tandem server</code>. The API works meanwhile: <a href="/api/openapi.json">/api/openapi.json</a>.</p>
</body></html>
`;

const isApi = (req: FastifyRequest) => req.url === '/api' || req.url.startsWith('/api/');

/** The console's settings route and its files; registered after the API, whose paths win. */
export async function consoleRoutes(app: FastifyInstance, log: Logger, dir = CONSOLE_DIR): Promise<void> {
  consoleSettingsRoutes(app);
  app.addHook('onSend', async (req, reply, payload) => {
    if (!isApi(req)) reply.headers(CONSOLE_HEADERS);
    return payload;
  });

  if (!existsSync(join(dir, 'index.html'))) {
    log.warn({ dir }, 'web console not built: run `npm run build:web` (the API works without it)');
    app.get('/*', { schema: { hide: true } }, async (req, reply) =>
      isApi(req) ? reply.callNotFound() : reply.code(503).type('text/html; charset=utf-8').send(NOT_BUILT),
    );
    return;
  }

  await app.register(fastifyStatic, {
    root: dir,
    // One route per built file (found at start) instead of a wildcard: the wildcard below is ours.
    wildcard: false,
    schemaHide: true,
    setHeaders: (reply: FastifyReply, path: string) => {
      // Vite names assets by content hash: cache them for good; index.html must be revalidated.
      reply.header(
        'cache-control',
        path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    },
  });
  app.get('/*', { schema: { hide: true } }, async (req, reply) => {
    // A missing asset is a 404, not the page: a stale tab then fails loudly instead of parsing HTML as JS.
    if (isApi(req) || req.url.startsWith('/assets/')) return reply.callNotFound();
    return reply.header('cache-control', 'no-cache').sendFile('index.html');
  });
}
