/**
 * `/api/v1/teams`: teams, their members and the roles granted to them. Every change is audited
 * in its own transaction; cached callers are forgotten after a change to who may do what.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { TandemError } from '../../core/errors.ts';
import {
  addTeamMember,
  deleteGrant,
  findTeamByName,
  grantsOfTeams,
  insertGrant,
  insertTeam,
  listTeams,
  removeTeamMember,
  teamMemberNames,
  updateTeam,
  uuidv7,
} from '../../store/index.ts';
import { callerOf } from '../access.ts';
import { change, keepAnAdmin, showTeam, teamOr404, unique, userOr404, type Ctx } from '../identity-change.ts';
import { teamView } from '../identity-views.ts';
import * as s from '../identity-schemas.ts';

const teamParams = z.object({ name: s.teamName });
const memberParams = z.object({ name: s.teamName, username: s.username });
const grantParams = z.object({ name: s.teamName, id: s.rowId });

export function teamRoutes(app: FastifyInstance, ctx: Ctx): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/api/v1/teams',
    {
      config: { access: 'teams:write' },
      schema: {
        summary: 'Create a team (members of its OIDC group join it when they sign in with OIDC)',
        body: z.strictObject({
          name: s.teamName,
          description: s.description.optional(),
          oidc_group: s.oidcGroup.optional(),
        }),
      },
    },
    async (req, reply) => {
      const b = req.body;
      const view = await change(ctx, req, async (tx, record) => {
        if (await findTeamByName(tx.db, b.name)) throw new TandemError('conflict', `team ${b.name} exists`);
        const team = await unique(tx, `team ${b.name}`, () =>
          insertTeam(tx.db, {
            id: uuidv7(),
            name: b.name,
            description: b.description ?? null,
            oidcGroup: b.oidc_group ?? null,
            now: ctx.clock(),
          }),
        );
        await record({
          action: 'team.created',
          target: `team:${team.name}`,
          data: { oidc_group: team.oidc_group },
        });
        return teamView(team, [], []);
      });
      return reply.code(201).send(view);
    },
  );

  r.get(
    '/api/v1/teams',
    { config: { access: 'teams:read' }, schema: { summary: 'Every team with its members and grants' } },
    async () => {
      const teams = await listTeams(ctx.store.db);
      const ids = teams.map((t) => t.id);
      const members = await teamMemberNames(ctx.store.db, ids);
      const grants = await grantsOfTeams(ctx.store.db, ids);
      return { teams: teams.map((t) => teamView(t, members.get(t.id) ?? [], grants.get(t.id) ?? [])) };
    },
  );

  r.get(
    '/api/v1/teams/:name',
    {
      config: { access: 'teams:read' },
      schema: { summary: 'One team, its members and grants', params: teamParams },
    },
    async (req) => showTeam(ctx.store, await teamOr404(ctx.store, req.params.name)),
  );

  r.patch(
    '/api/v1/teams/:name',
    {
      config: { access: 'teams:write' },
      schema: {
        summary: "Change a team's description or OIDC group",
        params: teamParams,
        body: z.strictObject({
          description: s.description.nullable().optional(),
          oidc_group: s.oidcGroup.nullable().optional(),
        }),
      },
    },
    async (req) =>
      change(ctx, req, async (tx, record) => {
        const before = await teamOr404(tx, req.params.name);
        const team = await updateTeam(tx.db, before.id, {
          ...(req.body.description === undefined ? {} : { description: req.body.description }),
          ...(req.body.oidc_group === undefined ? {} : { oidcGroup: req.body.oidc_group }),
        });
        await record({
          action: 'team.updated',
          target: `team:${team.name}`,
          data: { fields: Object.keys(req.body).sort(), oidc_group: team.oidc_group },
        });
        return showTeam(tx, team);
      }),
  );

  r.put(
    '/api/v1/teams/:name/members/:username',
    {
      config: { access: 'teams:write' },
      schema: { summary: 'Add a user to a team (201 added, 200 a member already)', params: memberParams },
    },
    async (req, reply) => {
      const { added, view } = await change(ctx, req, async (tx, record) => {
        const team = await teamOr404(tx, req.params.name);
        const user = await userOr404(tx, req.params.username);
        const added = await addTeamMember(tx.db, team.id, user.id, ctx.clock());
        if (added)
          await record({
            action: 'team.member_added',
            target: `team:${team.name}`,
            data: { user: user.username },
          });
        return { added, view: await showTeam(tx, team) };
      });
      ctx.auth.invalidate();
      return reply.code(added ? 201 : 200).send(view);
    },
  );

  r.delete(
    '/api/v1/teams/:name/members/:username',
    {
      config: { access: 'teams:write' },
      schema: { summary: 'Remove a user from a team', params: memberParams },
    },
    async (req) => {
      const view = await change(ctx, req, async (tx, record) => {
        const team = await teamOr404(tx, req.params.name);
        const user = await userOr404(tx, req.params.username);
        if (!(await removeTeamMember(tx.db, team.id, user.id)))
          throw new TandemError('not_found', `${user.username} is not a member of team ${team.name}`);
        await record({
          action: 'team.member_removed',
          target: `team:${team.name}`,
          data: { user: user.username },
        });
        await keepAnAdmin(tx, `removing ${user.username} from ${team.name}`);
        return showTeam(tx, team);
      });
      ctx.auth.invalidate();
      return view;
    },
  );

  r.post(
    '/api/v1/teams/:name/grants',
    {
      config: { access: 'teams:write' },
      schema: {
        summary: 'Grant a role to a team, optionally only on some sites (patterns) and runbook labels',
        params: teamParams,
        body: z.strictObject({
          role: s.role,
          sites: z.array(s.sitePattern).max(64).optional(),
          labels: s.labels.optional(),
        }),
      },
    },
    async (req, reply) => {
      const view = await change(ctx, req, async (tx, record) => {
        const team = await teamOr404(tx, req.params.name);
        const grant = await insertGrant(tx.db, {
          id: uuidv7(),
          teamId: team.id,
          role: req.body.role,
          sites: [...new Set(req.body.sites ?? [])],
          labels: req.body.labels ?? {},
          createdBy: callerOf(req).subject,
          now: ctx.clock(),
        });
        const v = teamView(team, [], [grant]).grants[0]!;
        await record({
          action: 'role.granted',
          target: `team:${team.name}`,
          data: { grant: v.id, role: v.role, sites: v.sites, labels: v.labels },
        });
        return v;
      });
      ctx.auth.invalidate();
      return reply.code(201).send(view);
    },
  );

  r.delete(
    '/api/v1/teams/:name/grants/:id',
    {
      config: { access: 'teams:write' },
      schema: { summary: 'Revoke a grant of a team', params: grantParams },
    },
    async (req) => {
      const view = await change(ctx, req, async (tx, record) => {
        const team = await teamOr404(tx, req.params.name);
        const grant = await deleteGrant(tx.db, team.id, req.params.id);
        if (!grant) throw new TandemError('not_found', `team ${team.name} has no grant ${req.params.id}`);
        const v = teamView(team, [], [grant]).grants[0]!;
        await record({
          action: 'role.revoked',
          target: `team:${team.name}`,
          data: { grant: v.id, role: v.role, sites: v.sites, labels: v.labels },
        });
        if (v.role === 'admin') await keepAnAdmin(tx, `revoking this admin grant of ${team.name}`);
        return { ...v, revoked: true };
      });
      ctx.auth.invalidate();
      return view;
    },
  );
}
