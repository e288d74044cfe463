/**
 * Access control at the door of every route. Each `/api/` route declares in its `config` what it
 * needs — a permission, `public` or `agent` — and a route without a declaration cannot even be
 * registered. The check runs before the body is validated, so a caller who may not use a route
 * learns nothing about its input.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { can, type AccessTarget, type Permission } from '../core/access/index.ts';
import { TandemError } from '../core/errors.ts';
import type { Caller } from './auth.ts';

export type RouteAccess = Permission | 'public' | 'agent' | 'authenticated';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What a caller needs to use the route. */
    access?: RouteAccess;
  }
}

/** Every route registered with the access it declares, for the RBAC table test and the docs. */
export interface RouteEntry {
  method: string;
  url: string;
  access: RouteAccess;
}

/** Refuse, at registration, any API route that does not say who may call it. */
export function enforceDeclaredAccess(app: FastifyInstance, routes: RouteEntry[]): void {
  app.addHook('onRoute', (opts) => {
    if (!opts.url.startsWith('/api/')) return;
    const access = opts.config?.access;
    if (access === undefined)
      throw new Error(`route ${String(opts.method)} ${opts.url} declares no access (config.access)`);
    for (const method of [opts.method].flat())
      if (method !== 'HEAD') routes.push({ method, url: opts.url, access });
  });
}

export const routeAccess = (req: FastifyRequest): RouteAccess | undefined => req.routeOptions.config.access;

/** The caller, who must be signed in. */
export function callerOf(req: FastifyRequest): Caller {
  if (!req.caller) throw new TandemError('unauthorized', 'sign in first');
  return req.caller;
}

/** The route's own permission: held by some grant of the caller, whatever it covers. */
export function checkRouteAccess(req: FastifyRequest): void {
  const access = routeAccess(req);
  if (access === undefined || access === 'public' || access === 'agent' || access === 'authenticated') return;
  const caller = callerOf(req);
  if (!can(caller, access))
    throw new TandemError('forbidden', `${caller.subject} may not ${describe(access)} (needs ${access})`);
}

/** A permission on a particular thing: a grant must cover its sites and labels. */
export function requireAccess(
  req: FastifyRequest,
  perm: Permission,
  target: AccessTarget,
  what: string,
): Caller {
  const caller = callerOf(req);
  if (!can(caller, perm, target))
    throw new TandemError(
      'forbidden',
      `${caller.subject} may not ${describe(perm)} ${what}: no grant covers it`,
    );
  return caller;
}

function describe(perm: Permission): string {
  const [noun, verb] = perm.split(':') as [string, string];
  const verbs: Record<string, string> = {
    read: 'read',
    write: 'change',
    start: 'start',
    control: 'control',
    comment: 'comment on',
    decide: 'decide on',
    work: 'work on',
    own: 'manage their own',
    admin: 'manage all',
  };
  return `${verbs[verb] ?? verb} ${noun}`;
}
