/**
 * `/api/v1/oncall`: schedules (layers, overrides, who is on call now and over the next days),
 * escalation policies, routing rules, and the escalation of an incident. Reading needs
 * `incidents:read`, changing `incidents:write`; every change is audited with it.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { TandemError } from '../../core/errors.ts';
import {
  DAY_MS,
  conditionProblem,
  escalationPolicySpec,
  onCallTimeline,
  plannedEscalation,
  routingRuleSpec,
  scheduleSpec,
  usernameSchema,
  whoIsOnCall,
  ONCALL_NAME,
  type Schedule,
} from '../../core/oncall/index.ts';
import {
  addOverride,
  checkPolicyTargets,
  checkScheduleUsers,
  checkTeam,
  checkUser,
  deleteOverride,
  deletePolicy,
  deleteRoutingRule,
  deleteSchedule,
  findEscalation,
  findPolicy,
  listEscalations,
  getSchedule,
  listOverrides,
  listPolicies,
  listRoutingRules,
  listSchedules,
  putPolicy,
  putRoutingRule,
  putSchedule,
  stopEscalation,
  type EscalationView,
  type StoredOverride,
} from '../../oncall/index.ts';
import { callerOf } from '../access.ts';
import { audited } from '../audited.ts';
import type { ServerContext } from '../context.ts';

const iso = (ms: number) => new Date(ms).toISOString();
const name = z.string().regex(ONCALL_NAME, 'a name: lower-case letters, digits, ".", "_" and "-"');
const nameParams = z.object({ name });
const time = z
  .string()
  .max(64)
  .refine((s) => !Number.isNaN(Date.parse(s)), 'an RFC 3339 time, e.g. 2024-03-31T09:00:00+02:00');

const overrideView = (o: StoredOverride) => ({
  id: o.id,
  user: o.user,
  start: iso(o.start),
  end: iso(o.end),
  reason: o.reason,
  created_by: o.createdBy,
  created_at: iso(o.createdAt),
});

function nowView(schedule: Schedule, at: number, overrides: StoredOverride[]) {
  const who = whoIsOnCall(schedule, at, overrides);
  return {
    schedule: schedule.name,
    at: iso(at),
    user: who.user,
    layer: who.layer,
    override: who.override,
    shift: who.shift && { start: iso(who.shift.start), end: iso(who.shift.end) },
  };
}

export function oncallRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/api/v1/oncall/schedules',
    {
      config: { access: 'incidents:write' },
      schema: { summary: 'Create or replace an on-call schedule (layers of rotations)', body: scheduleSpec },
    },
    async (req, reply) => {
      const s = req.body;
      const created = await audited(
        ctx,
        req,
        async (tx) => {
          await checkScheduleUsers(tx.db, s);
          return putSchedule(tx.db, s, callerOf(req).subject, ctx.clock());
        },
        (c) => ({
          action: c ? 'oncall.schedule.created' : 'oncall.schedule.updated',
          target: `schedule:${s.name}`,
          data: { layers: s.layers.map((l) => ({ name: l.name, users: l.users, rotation: l.rotation })) },
        }),
      );
      return reply.code(created ? 201 : 200).send({ ...s, created });
    },
  );

  r.get(
    '/api/v1/oncall/schedules',
    { config: { access: 'incidents:read' }, schema: { summary: 'Every schedule, with who is on call now' } },
    async () => {
      const now = ctx.clock();
      const all = await listSchedules(ctx.store.db);
      const out = [];
      for (const s of all)
        out.push({
          ...s.schedule,
          now: nowView(s.schedule, now, await listOverrides(ctx.store.db, s.schedule.name, now, now + 1)),
        });
      return { schedules: out };
    },
  );

  r.get(
    '/api/v1/oncall/schedules/:name',
    {
      config: { access: 'incidents:read' },
      schema: {
        summary:
          'A schedule: its layers, overrides, and who is on call over a range (7 days from now by default)',
        params: nameParams,
        querystring: z.strictObject({
          from: time.optional(),
          days: z.coerce.number().int().min(1).max(90).default(7),
        }),
      },
    },
    async (req) => {
      const found = await getSchedule(ctx.store.db, req.params.name);
      const from = req.query.from === undefined ? ctx.clock() : Date.parse(req.query.from);
      const to = from + req.query.days * DAY_MS;
      const overrides = await listOverrides(ctx.store.db, req.params.name, from, to);
      return {
        ...found.schedule,
        created_by: found.createdBy,
        created_at: iso(found.createdAt),
        updated_at: iso(found.updatedAt),
        overrides: overrides.map(overrideView),
        timeline: onCallTimeline(found.schedule, from, to, overrides).map((s) => ({
          start: iso(s.start),
          end: iso(s.end),
          user: s.user,
          layer: s.layer,
          override: s.override,
        })),
      };
    },
  );

  r.get(
    '/api/v1/oncall/schedules/:name/now',
    {
      config: { access: 'incidents:read' },
      schema: {
        summary: 'Who is on call for a schedule now (or at a given time)',
        params: nameParams,
        querystring: z.strictObject({ at: time.optional() }),
      },
    },
    async (req) => {
      const found = await getSchedule(ctx.store.db, req.params.name);
      const at = req.query.at === undefined ? ctx.clock() : Date.parse(req.query.at);
      return nowView(found.schedule, at, await listOverrides(ctx.store.db, req.params.name, at, at + 1));
    },
  );

  r.delete(
    '/api/v1/oncall/schedules/:name',
    {
      config: { access: 'incidents:write' },
      schema: { summary: 'Delete a schedule and its overrides', params: nameParams },
    },
    async (req, reply) => {
      const n = req.params.name;
      await audited(
        ctx,
        req,
        async (tx) => {
          const users = (await listPolicies(tx.db))
            .filter((p) => p.levels.some((l) => l.targets.some((t) => 'schedule' in t && t.schedule === n)))
            .map((p) => p.name);
          if (users.length > 0)
            throw new TandemError(
              'conflict',
              `escalation policies ${users.join(', ')} use schedule ${n}: change them first`,
            );
          if (!(await deleteSchedule(tx.db, n)))
            throw new TandemError('not_found', `no on-call schedule ${n}`);
        },
        () => ({ action: 'oncall.schedule.deleted', target: `schedule:${n}` }),
      );
      return reply.code(204).send();
    },
  );

  r.post(
    '/api/v1/oncall/schedules/:name/overrides',
    {
      config: { access: 'incidents:write' },
      schema: {
        summary: 'Have a user cover a time range of a schedule, over every layer',
        params: nameParams,
        body: z.strictObject({
          user: usernameSchema,
          start: time,
          end: time,
          reason: z.string().max(1000).optional(),
        }),
      },
    },
    async (req, reply) => {
      const b = req.body;
      const start = Date.parse(b.start);
      const end = Date.parse(b.end);
      if (end <= start)
        throw new TandemError('invalid_input', 'end: an override ends after it starts', {
          details: [{ path: 'body.end', message: 'after start' }],
        });
      const o = await audited(
        ctx,
        req,
        async (tx) => {
          await getSchedule(tx.db, req.params.name);
          await checkUser(tx.db, b.user, 'body.user');
          return addOverride(
            tx.db,
            {
              schedule: req.params.name,
              user: b.user,
              start,
              end,
              reason: b.reason ?? null,
              actor: callerOf(req).subject,
            },
            ctx.clock(),
          );
        },
        (added) => ({
          action: 'oncall.override.added',
          target: `schedule:${req.params.name}`,
          data: { id: added.id, user: added.user, start: b.start, end: b.end },
        }),
      );
      return reply.code(201).send(overrideView(o));
    },
  );

  r.get(
    '/api/v1/oncall/schedules/:name/overrides',
    {
      config: { access: 'incidents:read' },
      schema: { summary: 'Overrides of a schedule that have not ended', params: nameParams },
    },
    async (req) => {
      await getSchedule(ctx.store.db, req.params.name);
      return {
        overrides: (await listOverrides(ctx.store.db, req.params.name, ctx.clock())).map(overrideView),
      };
    },
  );

  r.delete(
    '/api/v1/oncall/schedules/:name/overrides/:id',
    {
      config: { access: 'incidents:write' },
      schema: { summary: 'Remove an override', params: z.object({ name, id: z.string().max(64) }) },
    },
    async (req, reply) => {
      const { name: n, id } = req.params;
      await audited(
        ctx,
        req,
        async (tx) => {
          if (!(await deleteOverride(tx.db, n, id)))
            throw new TandemError('not_found', `no override ${id} of ${n}`);
        },
        () => ({ action: 'oncall.override.removed', target: `schedule:${n}`, data: { id } }),
      );
      return reply.code(204).send();
    },
  );

  r.post(
    '/api/v1/oncall/escalation-policies',
    {
      config: { access: 'incidents:write' },
      schema: { summary: 'Create or replace an escalation policy', body: escalationPolicySpec },
    },
    async (req, reply) => {
      const p = req.body;
      const created = await audited(
        ctx,
        req,
        async (tx) => {
          await checkPolicyTargets(tx.db, p);
          return putPolicy(tx.db, p, callerOf(req).subject, ctx.clock());
        },
        (c) => ({
          action: c ? 'oncall.policy.created' : 'oncall.policy.updated',
          target: `escalation-policy:${p.name}`,
          data: { levels: p.levels, repeat: p.repeat },
        }),
      );
      return reply.code(created ? 201 : 200).send({ ...p, created });
    },
  );

  r.get(
    '/api/v1/oncall/escalation-policies',
    { config: { access: 'incidents:read' }, schema: { summary: 'Every escalation policy' } },
    async () => ({ policies: await listPolicies(ctx.store.db) }),
  );

  r.get(
    '/api/v1/oncall/escalation-policies/:name',
    {
      config: { access: 'incidents:read' },
      schema: {
        summary: 'An escalation policy, with when each level is notified if nobody acknowledges',
        params: nameParams,
      },
    },
    async (req) => {
      const p = await findPolicy(ctx.store.db, req.params.name);
      if (!p) throw new TandemError('not_found', `no escalation policy ${req.params.name}`);
      return {
        ...p,
        plan: plannedEscalation(p, 0).map((s) => ({ after_ms: s.at, level: s.level + 1, round: s.round })),
      };
    },
  );

  r.delete(
    '/api/v1/oncall/escalation-policies/:name',
    {
      config: { access: 'incidents:write' },
      schema: { summary: 'Delete an escalation policy', params: nameParams },
    },
    async (req, reply) => {
      const n = req.params.name;
      await audited(
        ctx,
        req,
        async (tx) => {
          if (!(await deletePolicy(tx.db, n)))
            throw new TandemError('not_found', `no escalation policy ${n}`);
        },
        () => ({ action: 'oncall.policy.deleted', target: `escalation-policy:${n}` }),
      );
      return reply.code(204).send();
    },
  );

  r.post(
    '/api/v1/oncall/routing-rules',
    {
      config: { access: 'incidents:write' },
      schema: {
        summary: 'Create or replace a routing rule (tried in position order; the first match wins)',
        body: routingRuleSpec,
      },
    },
    async (req, reply) => {
      const b = req.body;
      if (b.when !== undefined) {
        const problem = conditionProblem(b.when);
        if (problem !== undefined)
          throw new TandemError('invalid_input', `when: ${problem}`, {
            details: [{ path: 'body.when', message: problem }],
          });
      }
      const rule = await audited(
        ctx,
        req,
        async (tx) => {
          if (b.team !== undefined) await checkTeam(tx.db, b.team, 'body.team');
          if (b.escalation_policy !== undefined && !(await findPolicy(tx.db, b.escalation_policy)))
            throw new TandemError(
              'invalid_input',
              `escalation_policy: no escalation policy ${b.escalation_policy}`,
              {
                details: [
                  { path: 'body.escalation_policy', message: `no escalation policy ${b.escalation_policy}` },
                ],
              },
            );
          return putRoutingRule(tx.db, b, callerOf(req).subject, ctx.clock());
        },
        (saved) => ({
          action: 'oncall.routing_rule.saved',
          target: `routing-rule:${saved.name}`,
          data: { ...saved },
        }),
      );
      return reply.code(201).send(rule);
    },
  );

  r.get(
    '/api/v1/oncall/routing-rules',
    {
      config: { access: 'incidents:read' },
      schema: { summary: 'Routing rules, in the order they are tried' },
    },
    async () => ({ rules: await listRoutingRules(ctx.store.db) }),
  );

  r.delete(
    '/api/v1/oncall/routing-rules/:name',
    {
      config: { access: 'incidents:write' },
      schema: { summary: 'Delete a routing rule', params: nameParams },
    },
    async (req, reply) => {
      const n = req.params.name;
      await audited(
        ctx,
        req,
        async (tx) => {
          if (!(await deleteRoutingRule(tx.db, n)))
            throw new TandemError('not_found', `no routing rule ${n}`);
        },
        () => ({ action: 'oncall.routing_rule.deleted', target: `routing-rule:${n}` }),
      );
      return reply.code(204).send();
    },
  );

  const incidentParams = z.object({ incident: z.string().min(1).max(64) });
  const escalationView = (e: Awaited<ReturnType<typeof listEscalations>>[number] | EscalationView) => ({
    incident: e.incidentId,
    ...('incident' in e
      ? { title: e.incident?.title ?? null, incident_status: e.incident?.status ?? null }
      : {}),
    policy: e.policy,
    level: e.level,
    round: e.round,
    status: e.status,
    due_at: e.dueAt === null ? null : iso(e.dueAt),
    stop_reason: e.stopReason,
    started_at: iso(e.startedAt),
  });

  r.get(
    '/api/v1/oncall/escalations',
    {
      config: { access: 'incidents:read' },
      schema: {
        summary: 'Escalations of incidents, newest first (active ones: who is being paged)',
        querystring: z.strictObject({
          status: z.enum(['active', 'stopped', 'exhausted']).optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
        }),
      },
    },
    async (req) => ({
      escalations: (
        await listEscalations(ctx.store.db, {
          limit: req.query.limit,
          ...(req.query.status === undefined ? {} : { status: req.query.status }),
        })
      ).map(escalationView),
    }),
  );

  r.get(
    '/api/v1/oncall/escalations/:incident',
    {
      config: { access: 'incidents:read' },
      schema: { summary: 'Where an incident’s escalation stands', params: incidentParams },
    },
    async (req) => {
      const e = await findEscalation(ctx.store.db, req.params.incident);
      if (!e) throw new TandemError('not_found', `incident ${req.params.incident} has no escalation`);
      return escalationView(e);
    },
  );

  r.post(
    '/api/v1/oncall/escalations/:incident/stop',
    {
      config: { access: 'incidents:write' },
      schema: { summary: 'Stop an incident’s escalation: nobody more is notified', params: incidentParams },
    },
    async (req) => {
      const id = req.params.incident;
      const stopped = await audited(
        ctx,
        req,
        (tx) => stopEscalation(tx, id, `stopped by ${callerOf(req).subject}`, ctx.clock()),
        (done) => (done ? { action: 'oncall.escalation.stopped', target: `incident:${id}` } : null),
      );
      return { incident: id, stopped };
    },
  );
}
