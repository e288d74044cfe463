import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../src/engine/deps.ts';
import { consoleRoutes } from '../../src/server/static.ts';

function recordingLog(lines: string[]): Logger {
  const log: Logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (_o, msg) => lines.push(msg ?? ''),
    error: (_o, msg) => lines.push(msg ?? ''),
    child: () => log,
  };
  return log;
}

async function appWith(dir: string, lines: string[] = []): Promise<FastifyInstance> {
  const app = Fastify();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ error: { code: 'not_found', message: `no route ${req.method} ${req.url}` } }),
  );
  app.get('/api/v1/health', async () => ({ status: 'ok' }));
  await consoleRoutes(app, recordingLog(lines), dir);
  return app;
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function built(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-web-'));
  dirs.push(dir);
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Tandem</title><div id="root"></div>');
  writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
  return dir;
}

describe('the console served by tandem server', () => {
  it('answers its page at / with the security headers', async () => {
    const app = await appWith(built());
    const res = await app.inject({ url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain('<div id="root">');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['cache-control']).toBe('no-cache');
  });

  it('answers the page for every console path, so links and reloads work', async () => {
    const app = await appWith(built());
    for (const url of ['/runs/01abc', '/runbooks/hello?version=2', '/inbox']) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.body, url).toContain('<div id="root">');
    }
  });

  it('serves hashed assets cached for good, and a missing asset as a 404', async () => {
    const app = await appWith(built());
    const js = await app.inject({ url: '/assets/index-abc123.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toMatch(/javascript/);
    expect(js.headers['cache-control']).toContain('immutable');
    expect((await app.inject({ url: '/assets/index-old999.js' })).statusCode).toBe(404);
  });

  it('leaves the API alone: its routes, and JSON 404s without the console headers', async () => {
    const app = await appWith(built());
    const health = await app.inject({ url: '/api/v1/health' });
    expect(health.json()).toEqual({ status: 'ok' });
    expect(health.headers['content-security-policy']).toBeUndefined();
    // Before signing in, the console asks which ways this server offers (no OIDC set here).
    expect((await app.inject({ url: '/api/v1/console/sign-in' })).json()).toEqual({
      password: true,
      oidc: false,
    });
    const missing = await app.inject({ url: '/api/v1/nothing' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('not_found');
  });

  it('without a build, says how to build at / in one log line, and the API still works', async () => {
    const lines: string[] = [];
    const dir = mkdtempSync(join(tmpdir(), 'tandem-noweb-'));
    dirs.push(dir);
    const app = await appWith(dir, lines);
    expect(lines).toEqual(['web console not built: run `npm run build:web` (the API works without it)']);
    const res = await app.inject({ url: '/' });
    expect(res.statusCode).toBe(503);
    expect(res.body).toContain('npm run build:web');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect((await app.inject({ url: '/api/v1/health' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/api/v1/nothing' })).statusCode).toBe(404);
  });
});
