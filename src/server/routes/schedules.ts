/** Runbook schedules over HTTP: apply (YAML), list with next fires, show, delete, past fires. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { TandemError } from '../../core/errors.ts';
import { nextFires, parseSchedule } from '../../core/schedules/index.ts';
import { runbookHash } from '../../core/runbook/index.ts';
import {
  applySchedule,
  deleteSchedule,
  findSchedule,
  listFires,
  listSchedules,
  type Fire,
  type StoredSchedule,
} from '../../schedules/index.ts';
import { findRunbook } from '../../store/index.ts';
import { callerOf } from '../access.ts';
import { audited } from '../audited.ts';
import type { ServerContext } from '../context.ts';
import { documentSource, nameParam } from './rules.ts';
import { MAX_RUNBOOK_BYTES } from './runbooks.ts';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function scheduleSummary(s: StoredSchedule, now: number, count: number) {
  const spec = s.schedule.spec;
  // A fire already due (the worker is about to take it) shows first.
  const upcoming = s.enabled ? nextFires(spec, now, count) : [];
  if (s.enabled && s.nextFireAt !== null && s.nextFireAt < (upcoming[0] ?? Infinity))
    upcoming.unshift(s.nextFireAt);
  return {
    name: s.name,
    version: s.version,
    title: s.schedule.metadata.title ?? null,
    enabled: s.enabled,
    cron: spec.cron,
    timezone: spec.timezone,
    runbook: spec.runbook,
    missed: spec.missed,
    next_fires: upcoming.slice(0, count).map((t) => iso(t)),
    created_by: s.createdBy,
    created_at: iso(s.createdAt),
    updated_at: iso(s.updatedAt),
  };
}

function fireView(f: Fire) {
  return {
    fire_time: iso(f.fireTime),
    decision: f.decision,
    missed: f.missed,
    run_id: f.runId,
    error: f.error,
    created_at: iso(f.createdAt),
  };
}

export function scheduleRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/api/v1/schedules',
    {
      config: { access: 'rules:write' },
      schema: {
        summary: 'Apply a runbook schedule (kind: Schedule, YAML body); the same text again is a no-op',
      },
      bodyLimit: MAX_RUNBOOK_BYTES,
    },
    async (req, reply) => {
      const source = documentSource(req.body, 'schedule');
      const schedule = parseSchedule(source);
      const hash = runbookHash(source);
      const applied = await audited(
        ctx,
        req,
        (tx) =>
          applySchedule(tx.db, { schedule, source, hash, actor: callerOf(req).subject, now: ctx.clock() }),
        (res) =>
          res.changed
            ? {
                action: 'schedule.applied',
                target: `schedule:${res.name}`,
                data: { version: res.version, hash },
              }
            : null,
      );
      const warnings = (await findRunbook(ctx.store.db, schedule.spec.runbook))
        ? []
        : [`runbook ${schedule.spec.runbook} does not exist (yet): its fires record an error until it does`];
      return reply.code(applied.changed ? 201 : 200).send({
        name: applied.name,
        version: applied.version,
        changed: applied.changed,
        next_fire_at: iso(applied.nextFireAt),
        warnings,
      });
    },
  );

  r.get(
    '/api/v1/schedules',
    {
      config: { access: 'rules:read' },
      schema: {
        summary: 'Every schedule with its next fire times',
        querystring: z.strictObject({ next: z.coerce.number().int().min(1).max(50).default(3) }),
      },
    },
    async (req) => {
      const now = ctx.clock();
      return {
        schedules: (await listSchedules(ctx.store.db)).map((s) => scheduleSummary(s, now, req.query.next)),
      };
    },
  );

  r.get(
    '/api/v1/schedules/:name',
    {
      config: { access: 'rules:read' },
      schema: { summary: 'A schedule with its YAML, next fires and latest fires', params: nameParam },
    },
    async (req) => {
      const s = await findSchedule(ctx.store.db, req.params.name);
      if (!s) throw new TandemError('not_found', `schedule ${req.params.name} does not exist`);
      const fires = await listFires(ctx.store.db, s.name, 10);
      return {
        ...scheduleSummary(s, ctx.clock(), 5),
        inputs: s.schedule.spec.inputs,
        source: s.source,
        fires: fires.map(fireView),
      };
    },
  );

  r.get(
    '/api/v1/schedules/:name/fires',
    {
      config: { access: 'rules:read' },
      schema: {
        summary: "A schedule's claimed fire times, newest first",
        params: nameParam,
        querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(1000).default(100) }),
      },
    },
    async (req) => ({
      fires: (await listFires(ctx.store.db, req.params.name, req.query.limit)).map(fireView),
    }),
  );

  r.delete(
    '/api/v1/schedules/:name',
    {
      config: { access: 'rules:write' },
      schema: { summary: 'Delete a schedule (its past fires stay)', params: nameParam },
    },
    async (req) => {
      const { name } = req.params;
      const gone = await audited(
        ctx,
        req,
        (tx) => deleteSchedule(tx.db, name),
        (deleted) => (deleted ? { action: 'schedule.deleted', target: `schedule:${name}`, data: {} } : null),
      );
      if (!gone) throw new TandemError('not_found', `schedule ${name} does not exist`);
      return { name, deleted: true };
    },
  );
}
