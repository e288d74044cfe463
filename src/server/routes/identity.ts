/**
 * `/api/v1/users`: accounts. Every change is audited in its own transaction; disabling a user or
 * changing their password ends their web sessions, and cached callers are forgotten at once here
 * (other replicas within their 5 s cache). Teams are in teams.ts.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { TandemError } from '../../core/errors.ts';
import {
  deleteUserSessions,
  findUserByName,
  insertUser,
  listUsers,
  teamNamesOf,
  updateUser,
  uuidv7,
} from '../../store/index.ts';
import { change, keepAnAdmin, showUser, unique, userOr404, type Ctx } from '../identity-change.ts';
import { userView } from '../identity-views.ts';
import * as s from '../identity-schemas.ts';
import { checkNewPassword, hashPassword } from '../password.ts';
import { teamRoutes } from './teams.ts';

const userParams = z.object({ username: s.username });

export function identityRoutes(app: FastifyInstance, ctx: Ctx): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/api/v1/users',
    {
      config: { access: 'users:write' },
      schema: {
        summary: 'Create a local user (with a password to sign in with, or only tokens)',
        body: z.strictObject({
          username: s.username,
          password: s.password.optional(),
          display_name: s.displayName.optional(),
          email: s.email.optional(),
        }),
      },
    },
    async (req, reply) => {
      const b = req.body;
      if (b.password !== undefined) checkNewPassword(b.password, b.username);
      const passwordHash = b.password === undefined ? null : await hashPassword(b.password);
      const view = await change(ctx, req, async (tx, record) => {
        if (await findUserByName(tx.db, b.username))
          throw new TandemError('conflict', `user ${b.username} exists`);
        const user = await unique(tx, `user ${b.username}`, () =>
          insertUser(tx.db, {
            id: uuidv7(),
            username: b.username,
            displayName: b.display_name ?? null,
            email: b.email ?? null,
            passwordHash,
            source: 'local',
            oidcSubject: null,
            now: ctx.clock(),
          }),
        );
        await record({
          action: 'user.created',
          target: `user:${user.username}`,
          data: { source: 'local', password: passwordHash !== null },
        });
        return userView(user, []);
      });
      return reply.code(201).send(view);
    },
  );

  r.get(
    '/api/v1/users',
    { config: { access: 'users:read' }, schema: { summary: 'Every user, with their teams' } },
    async () => {
      const users = await listUsers(ctx.store.db);
      const teams = await teamNamesOf(
        ctx.store.db,
        users.map((u) => u.id),
      );
      return { users: users.map((u) => userView(u, teams.get(u.id) ?? [])) };
    },
  );

  r.get(
    '/api/v1/users/:username',
    { config: { access: 'users:read' }, schema: { summary: 'One user', params: userParams } },
    async (req) => showUser(ctx.store, await userOr404(ctx.store, req.params.username)),
  );

  r.patch(
    '/api/v1/users/:username',
    {
      config: { access: 'users:write' },
      schema: {
        summary: 'Change a user: name, e-mail, password, disabled (a disabled user can do nothing)',
        params: userParams,
        body: z.strictObject({
          display_name: s.displayName.nullable().optional(),
          email: s.email.nullable().optional(),
          password: s.password.nullable().optional(),
          disabled: z.boolean().optional(),
        }),
      },
    },
    async (req) => {
      const b = req.body;
      const name = req.params.username;
      if (typeof b.password === 'string') checkNewPassword(b.password, name);
      const passwordHash = typeof b.password === 'string' ? await hashPassword(b.password) : b.password;
      const view = await change(ctx, req, async (tx, record) => {
        const before = await userOr404(tx, name);
        const user = await updateUser(
          tx.db,
          before.id,
          {
            ...(b.display_name === undefined ? {} : { displayName: b.display_name }),
            ...(b.email === undefined ? {} : { email: b.email }),
            ...(passwordHash === undefined ? {} : { passwordHash }),
            ...(b.disabled === undefined ? {} : { disabled: b.disabled }),
          },
          ctx.clock(),
        );
        const fields = Object.keys(b).filter((k) => k !== 'disabled');
        if (fields.length > 0)
          await record({ action: 'user.updated', target: `user:${name}`, data: { fields: fields.sort() } });
        if (b.disabled !== undefined && b.disabled !== (before.disabled !== 0)) {
          await record({ action: b.disabled ? 'user.disabled' : 'user.enabled', target: `user:${name}` });
          if (b.disabled) await keepAnAdmin(tx, `disabling ${name}`);
        }
        // A new password or a disabled account ends the user's web sessions.
        if (b.disabled === true || passwordHash !== undefined) await deleteUserSessions(tx.db, user.id);
        return showUser(tx, user);
      });
      ctx.auth.invalidate();
      return view;
    },
  );
  teamRoutes(app, ctx);
}
