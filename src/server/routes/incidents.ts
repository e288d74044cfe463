/**
 * Incidents over HTTP: list and show (alerts, timeline, linked runs, and what happened before on
 * the same resources), acknowledge, resolve, reassign, notes, link a run; and maintenance windows.
 * Changes to an incident need `incidents:write` on its site; each is audited.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  activeOccurrence,
  maintenanceSpec,
  nextOccurrence,
  refKey,
  windowOf,
  type AlertState,
} from '../../core/events/index.ts';
import { TandemError } from '../../core/errors.ts';
import {
  acknowledgeIncident,
  addNote,
  autoResolveFromEnv,
  deleteWindow,
  findIncident,
  findWindow,
  incidentAlerts,
  incidentResources,
  incidentTimeline,
  insertWindow,
  linkedRuns,
  linkRun,
  listIncidents,
  listWindows,
  pastIncidentsOn,
  reassignIncident,
  resolveIncident,
  type Incident,
  type IngestDeps,
  type LinkedRun,
  type StoredTimelineEntry,
  type StoredWindow,
} from '../../events/index.ts';
import { oncallIncidentHooks } from '../../oncall/index.ts';
import { uuidv7, type Tx } from '../../store/index.ts';
import { callerOf, requireAccess } from '../access.ts';
import { audited } from '../audited.ts';
import type { ServerContext } from '../context.ts';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** What ingest and incident changes need, from the server's context. */
export function incidentDepsOf(ctx: ServerContext): IngestDeps {
  return {
    store: ctx.store,
    clock: ctx.clock,
    newId: uuidv7,
    autoResolveDefault: autoResolveFromEnv(),
    // On-call routes new incidents (team, escalation) and stops escalating settled ones.
    hooks: oncallIncidentHooks(ctx.clock),
  };
}

export function incidentView(i: Incident) {
  return {
    id: i.id,
    status: i.status,
    severity: i.severity,
    title: i.title,
    site: i.site,
    resource: i.resource === null ? null : refKey(i.resource),
    team: i.team,
    assignee: i.assignee,
    grouping: i.grouping,
    labels: i.labels,
    source: i.source,
    auto_resolve: i.autoResolve,
    opened_at: iso(i.openedAt),
    acknowledged_at: iso(i.acknowledgedAt),
    acknowledged_by: i.acknowledgedBy,
    resolved_at: iso(i.resolvedAt),
    resolved_by: i.resolvedBy,
    updated_at: iso(i.updatedAt),
  };
}

const alertView = (a: AlertState) => ({
  fingerprint: a.fingerprint,
  source: a.source,
  status: a.status,
  severity: a.severity,
  summary: a.summary,
  labels: a.labels,
  resource: a.resource,
  site: a.site,
  starts_at: iso(a.startsAt),
  last_seen_at: iso(a.lastSeenAt),
  resolved_at: iso(a.resolvedAt),
  count: a.count,
});

const entryView = (e: StoredTimelineEntry) => ({
  id: e.id,
  at: iso(e.at),
  type: e.type,
  actor: e.actor,
  message: e.message,
  data: e.data,
  event_id: e.eventId,
  run_id: e.runId,
});

const runView = (r: LinkedRun) => ({
  incident_id: r.incidentId,
  run_id: r.runId,
  rule: r.rule,
  runbook: r.runbook,
  status: r.status,
  linked_at: iso(r.linkedAt),
});

function windowView(w: StoredWindow, now: number) {
  const active = activeOccurrence(w, now);
  return {
    id: w.id,
    reason: w.reason,
    selector: w.selector,
    site: w.site,
    starts_at: iso(w.startsAt),
    ends_at: iso(w.endsAt),
    cron: w.cron,
    duration_ms: w.durationMs,
    time_zone: w.timeZone,
    active: active !== null,
    active_until: active === null ? null : iso(active.end),
    next_start: iso(nextOccurrence(w, now)),
    created_by: w.createdBy,
    created_at: iso(w.createdAt),
  };
}

const idParams = z.object({ id: z.string().max(64) });

export function incidentRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const deps = incidentDepsOf(ctx);

  /** The incident, if the caller may change it (a grant covering its site). */
  async function writable(req: FastifyRequest, tx: Tx, id: string): Promise<Incident> {
    const incident = await findIncident(tx.db, id);
    if (!incident) throw new TandemError('not_found', `no incident ${id}`);
    requireAccess(
      req,
      'incidents:write',
      { sites: incident.site === null ? [] : [incident.site], labels: incident.labels },
      `incident ${id}`,
    );
    return incident;
  }

  /** Change an incident in one transaction with its audit entry; answer it as it is then. */
  const change = (
    req: FastifyRequest,
    id: string,
    action: string,
    fn: (tx: Tx, actor: string) => Promise<unknown>,
    data: Record<string, unknown> = {},
  ) =>
    audited(
      ctx,
      req,
      async (tx) => {
        await writable(req, tx, id);
        await fn(tx, callerOf(req).subject);
        return (await findIncident(tx.db, id))!;
      },
      () => ({ action, target: `incident:${id}`, data }),
    );

  r.get(
    '/api/v1/incidents',
    {
      config: { access: 'incidents:read' },
      schema: {
        summary: 'Incidents, newest first, a page at a time',
        querystring: z.strictObject({
          status: z.enum(['open', 'triggered', 'acknowledged', 'resolved']).optional(),
          site: z.string().max(63).optional(),
          team: z.string().max(64).optional(),
          resource: z.string().max(300).optional().describe('kind/name'),
          limit: z.coerce.number().int().min(1).max(500).default(50),
          cursor: z.string().max(64).optional(),
        }),
      },
    },
    async (req) => {
      const q = req.query;
      const page = await listIncidents(ctx.store.db, {
        limit: q.limit,
        ...(q.status === undefined ? {} : { status: q.status }),
        ...(q.site === undefined ? {} : { site: q.site }),
        ...(q.team === undefined ? {} : { team: q.team }),
        ...(q.resource === undefined ? {} : { resource: q.resource }),
        ...(q.cursor === undefined ? {} : { before: q.cursor }),
      });
      return {
        incidents: page.incidents.map(incidentView),
        next_cursor: page.more ? (page.incidents.at(-1)?.id ?? null) : null,
      };
    },
  );

  r.get(
    '/api/v1/incidents/:id',
    {
      config: { access: 'incidents:read' },
      schema: {
        summary:
          'An incident: its alerts, timeline, linked runs, and past incidents and runs on its resources',
        params: idParams,
      },
    },
    async (req) => {
      const db = ctx.store.db;
      const incident = await findIncident(db, req.params.id);
      if (!incident) throw new TandemError('not_found', `no incident ${req.params.id}`);
      const resources = await incidentResources(db, incident);
      const past = await pastIncidentsOn(db, resources, incident.id);
      return {
        ...incidentView(incident),
        resources,
        alerts: (await incidentAlerts(db, incident.id)).map(alertView),
        timeline: (await incidentTimeline(db, incident.id)).map(entryView),
        runs: (await linkedRuns(db, [incident.id])).map(runView),
        related: {
          incidents: past.map(incidentView),
          runs: (
            await linkedRuns(
              db,
              past.map((p) => p.id),
              50,
            )
          ).map(runView),
        },
      };
    },
  );

  r.post(
    '/api/v1/incidents/:id/ack',
    {
      config: { access: 'incidents:write' },
      schema: {
        summary: 'Acknowledge: someone is on it (escalation stops)',
        params: idParams,
        body: z.strictObject({ note: z.string().max(20_000).optional() }).optional(),
      },
    },
    async (req) => {
      const note = req.body?.note;
      const i = await change(req, req.params.id, 'incident.acknowledged', (tx, actor) =>
        acknowledgeIncident(tx, deps, req.params.id, actor, note),
      );
      return incidentView(i);
    },
  );

  r.post(
    '/api/v1/incidents/:id/resolve',
    {
      config: { access: 'incidents:write' },
      schema: {
        summary: 'Resolve: it is over (alerts still firing open a new incident when they repeat)',
        params: idParams,
        body: z.strictObject({ reason: z.string().max(20_000).optional() }).optional(),
      },
    },
    async (req) => {
      const reason = req.body?.reason;
      const i = await change(
        req,
        req.params.id,
        'incident.resolved',
        (tx, actor) => resolveIncident(tx, deps, req.params.id, actor, reason),
        reason ? { reason } : {},
      );
      return incidentView(i);
    },
  );

  r.post(
    '/api/v1/incidents/:id/reassign',
    {
      config: { access: 'incidents:write' },
      schema: {
        summary: 'Give the incident to a team and/or a person (null takes it away)',
        params: idParams,
        body: z
          .strictObject({
            team: z.string().max(64).nullable().optional(),
            assignee: z.string().max(64).nullable().optional(),
          })
          .refine((b) => b.team !== undefined || b.assignee !== undefined, 'give team, assignee or both'),
      },
    },
    async (req) => {
      const to = {
        ...(req.body.team === undefined ? {} : { team: req.body.team }),
        ...(req.body.assignee === undefined ? {} : { assignee: req.body.assignee }),
      };
      const i = await change(
        req,
        req.params.id,
        'incident.reassigned',
        (tx, actor) => reassignIncident(tx, deps, req.params.id, to, actor),
        to,
      );
      return incidentView(i);
    },
  );

  r.post(
    '/api/v1/incidents/:id/notes',
    {
      config: { access: 'incidents:write' },
      schema: {
        summary: 'Add a note to the timeline',
        params: idParams,
        body: z.strictObject({ text: z.string().trim().min(1).max(20_000) }),
      },
    },
    async (req, reply) => {
      await change(req, req.params.id, 'incident.noted', (tx, actor) =>
        addNote(tx, req.params.id, actor, req.body.text, ctx.clock()),
      );
      const timeline = await incidentTimeline(ctx.store.db, req.params.id);
      const note = timeline.filter((e) => e.type === 'note').at(-1);
      return reply.code(201).send(note ? entryView(note) : {});
    },
  );

  r.post(
    '/api/v1/incidents/:id/runs',
    {
      config: { access: 'incidents:write' },
      schema: {
        summary: 'Link a run to the incident (rules link the runs they start themselves)',
        params: idParams,
        body: z.strictObject({ run_id: z.string().max(64) }),
      },
    },
    async (req, reply) => {
      const runId = req.body.run_id;
      await change(
        req,
        req.params.id,
        'incident.run_linked',
        async (tx) => {
          const run = await tx.db.selectFrom('runs').select('id').where('id', '=', runId).executeTakeFirst();
          if (!run) throw new TandemError('not_found', `no run ${runId}`);
          await linkRun(tx, req.params.id, runId, null, ctx.clock());
        },
        { run_id: runId },
      );
      return reply.code(201).send({ incident_id: req.params.id, run_id: runId });
    },
  );

  r.get(
    '/api/v1/maintenance-windows',
    {
      config: { access: 'incidents:read' },
      schema: {
        summary: 'Maintenance windows not over yet (all=true: every one)',
        querystring: z.strictObject({ all: z.enum(['true', 'false']).optional() }),
      },
    },
    async (req) => {
      const now = ctx.clock();
      const windows = await listWindows(ctx.store.db, { now, current: req.query.all !== 'true' });
      return { windows: windows.map((w) => windowView(w, now)) };
    },
  );

  r.post(
    '/api/v1/maintenance-windows',
    {
      config: { access: 'incidents:write' },
      schema: {
        summary: 'Add a maintenance window: alerts it covers are stored but open and notify nothing',
        body: maintenanceSpec,
      },
    },
    async (req, reply) => {
      const w = windowOf(uuidv7(), req.body);
      const stored = await audited(
        ctx,
        req,
        (tx) => insertWindow(tx.db, w, { actor: callerOf(req).subject, now: ctx.clock() }),
        (s) => ({
          action: 'maintenance.created',
          target: `maintenance:${s.id}`,
          data: { reason: s.reason, selector: s.selector, site: s.site, cron: s.cron },
        }),
      );
      return reply.code(201).send(windowView(stored, ctx.clock()));
    },
  );

  r.delete(
    '/api/v1/maintenance-windows/:id',
    {
      config: { access: 'incidents:write' },
      schema: {
        summary: 'Remove a maintenance window (alerts are no longer suppressed by it)',
        params: idParams,
      },
    },
    async (req) => {
      const { id } = req.params;
      const found = await findWindow(ctx.store.db, id);
      if (!found) throw new TandemError('not_found', `no maintenance window ${id}`);
      await audited(
        ctx,
        req,
        (tx) => deleteWindow(tx.db, id),
        (ok) =>
          ok
            ? { action: 'maintenance.deleted', target: `maintenance:${id}`, data: { reason: found.reason } }
            : null,
      );
      return { id, deleted: true };
    },
  );
}
