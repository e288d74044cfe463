/**
 * Events over HTTP: the sources that may send them (admin), the ingest endpoints each sender
 * posts to, and the events and alerts received.
 *
 * Ingest routes are `public` at the door: the caller is not a Tandem user but a sender, who proves
 * itself with its SOURCE's credential (bearer token, PagerDuty routing key, or HMAC signature of
 * the raw body) — 401 otherwise. Answers: 2xx once the events are committed (Alertmanager and
 * Grafana get 200, PagerDuty senders 202 as from PagerDuty), 400 with the field path for a bad
 * payload (senders do not retry those), 503 when the store failed (Alertmanager retries those).
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  applyWebhookMapping,
  parseAlertmanager,
  parseGrafana,
  parsePagerduty,
  refKey,
  type EventInput,
} from '../../core/events/index.ts';
import { errorMessage, isTandemError, TandemError } from '../../core/errors.ts';
import {
  checkSourceCredential,
  createSource,
  deleteSource,
  findEvent,
  findSource,
  findSourceByRoutingKey,
  ingestEvents,
  lastEventTimes,
  listAlerts,
  listEvents,
  listSources,
  newSourceSchema,
  SOURCE_NAME,
  type EventSource,
  type IngestedEvent,
  type SourceKind,
  type StoredEvent,
} from '../../events/index.ts';
import { uuidv7 } from '../../store/index.ts';
import { callerOf } from '../access.ts';
import { errorHandler } from '../errors.ts';
import { audited } from '../audited.ts';
import type { ServerContext } from '../context.ts';
import { incidentDepsOf } from './incidents.ts';

/** A sender's request: Alertmanager caps nothing, so 1 MiB bounds what one request may hold. */
export const MAX_EVENT_BODY = 1024 * 1024;
/** The source `POST /api/v1/events/alertmanager` (no name) posts to, as DESIGN.md shows it. */
export const DEFAULT_ALERTMANAGER_SOURCE = 'alertmanager';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export const ingestPath = (s: Pick<EventSource, 'kind' | 'name'>) => `/api/v1/events/${s.kind}/${s.name}`;

function sourceView(s: EventSource, lastEventAt?: number) {
  return {
    name: s.name,
    kind: s.kind,
    auth: s.auth,
    ...(s.auth === 'hmac'
      ? { signature_header: s.signatureHeader, timestamp_header: s.timestampHeader }
      : {}),
    ...(s.mapping ? { mapping: s.mapping } : {}),
    auto_resolve: s.autoResolve,
    path: ingestPath(s),
    created_by: s.createdBy,
    created_at: iso(s.createdAt),
    last_event_at: iso(lastEventAt ?? null),
  };
}

export function eventView(e: StoredEvent) {
  return {
    id: e.id,
    source: e.source,
    source_kind: e.sourceKind,
    fingerprint: e.fingerprint,
    status: e.status,
    severity: e.severity,
    summary: e.summary,
    description: e.description,
    labels: e.labels,
    annotations: e.annotations,
    details: e.details,
    resource: e.resource === null ? null : refKey(e.resource),
    site: e.site,
    group_key: e.groupKey,
    starts_at: iso(e.startsAt),
    ends_at: iso(e.endsAt),
    received_at: iso(e.receivedAt),
    generator_url: e.generatorUrl,
    outcome: e.outcome,
    incident_id: e.incidentId,
    suppressed_by: e.suppressedBy,
  };
}

const ingestedView = (e: IngestedEvent) => ({
  id: e.id,
  fingerprint: e.fingerprint,
  status: e.status,
  outcome: e.outcome,
  incident_id: e.incidentId,
  resource: e.resource,
  site: e.site,
  suppressed_by: e.suppressedBy,
});

function jsonOf(raw: Buffer): unknown {
  if (raw.length === 0) throw new TandemError('invalid_input', 'the body is empty: send the JSON payload');
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch (err: unknown) {
    throw new TandemError('invalid_input', `the body is not JSON: ${errorMessage(err)}`);
  }
}

const sourceParam = z.object({ source: z.string().max(200) });

export function eventRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const deps = incidentDepsOf(ctx);

  r.post(
    '/api/v1/events/sources',
    {
      config: { access: 'events:write' },
      schema: {
        summary: 'Add an event source; its token or HMAC secret is answered once, never again',
        body: newSourceSchema,
      },
    },
    async (req, reply) => {
      const created = await audited(
        ctx,
        req,
        (tx) =>
          createSource(tx.db, ctx.masterKey, req.body, { actor: callerOf(req).subject, now: ctx.clock() }),
        (c) => ({
          action: 'event_source.created',
          target: `event_source:${c.source.name}`,
          data: { kind: c.source.kind, auth: c.source.auth },
        }),
      );
      return reply.code(201).send({
        ...sourceView(created.source),
        ...(created.token === null ? {} : { token: created.token }),
        ...(created.secret === null ? {} : { secret: created.secret }),
      });
    },
  );

  r.get(
    '/api/v1/events/sources',
    { config: { access: 'events:read' }, schema: { summary: 'Event sources (never their credentials)' } },
    async () => {
      const last = await lastEventTimes(ctx.store.db);
      return { sources: (await listSources(ctx.store.db)).map((s) => sourceView(s, last.get(s.name))) };
    },
  );

  r.delete(
    '/api/v1/events/sources/:name',
    {
      config: { access: 'events:write' },
      schema: {
        summary: 'Remove an event source: its sender is refused from then on',
        params: z.object({ name: z.string().max(200) }),
      },
    },
    async (req) => {
      const { name } = req.params;
      const gone = await audited(
        ctx,
        req,
        (tx) => deleteSource(tx.db, name),
        (ok) => (ok ? { action: 'event_source.deleted', target: `event_source:${name}`, data: {} } : null),
      );
      if (!gone) throw new TandemError('not_found', `no event source ${name}`);
      return { name, deleted: true };
    },
  );

  /** The source a request names, which must be of `kind`. */
  async function namedSource(name: string, kind: SourceKind): Promise<EventSource> {
    const source = SOURCE_NAME.test(name) ? await findSource(ctx.store.db, name) : undefined;
    if (!source) throw new TandemError('not_found', `no event source ${name}`);
    if (source.kind !== kind)
      throw new TandemError(
        'not_found',
        `event source ${name} takes ${source.kind} events: post them to ${ingestPath(source)}`,
      );
    return source;
  }

  /**
   * Check the sender, read its payload, store it all in one transaction; 503 if the store fails.
   * `body`: the payload already parsed (PagerDuty's routing key is in it), else the raw body is.
   */
  async function ingest(
    req: FastifyRequest,
    source: EventSource,
    read: (body: unknown) => EventInput[],
    body?: unknown,
  ): Promise<IngestedEvent[]> {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    // The credential first: nothing about the payload is told to a sender that is not the source.
    const routingKey =
      typeof body === 'object' &&
      body !== null &&
      'routing_key' in body &&
      typeof body.routing_key === 'string'
        ? body.routing_key
        : undefined;
    checkSourceCredential(source, ctx.masterKey, {
      headers: req.headers,
      rawBody: raw,
      now: ctx.clock(),
      ...(routingKey === undefined ? {} : { routingKey }),
    });
    const inputs = read(body ?? jsonOf(raw));
    return ctx.store.transaction((tx) => ingestEvents(tx, deps, source, inputs));
  }

  const answer = (reply: FastifyReply, events: IngestedEvent[]) =>
    reply.code(200).send({ status: 'ok', events: events.map(ingestedView) });

  // The sender's raw body: its signature covers the bytes as sent, and errors name JSON problems.
  void app.register(async (scope) => {
    // A sender drops what is answered 4xx and retries 5xx: anything but a refusal of the request
    // itself (the store failing, contention that outlasted the retries) must be a 503.
    const base = errorHandler(ctx.log);
    scope.setErrorHandler((err: FastifyError, req, reply) => {
      const refusal =
        hasZodFastifySchemaValidationErrors(err) ||
        (isTandemError(err)
          ? err.code !== 'conflict' && err.code !== 'internal'
          : (err.statusCode ?? 500) < 500);
      if (refusal) return base(err, req, reply);
      ctx.log.error({ url: req.url, err: errorMessage(err) }, 'events not stored');
      const unavailable = new TandemError('unavailable', 'the events could not be stored; send them again', {
        retryable: true,
        cause: err,
      });
      return base(Object.assign(unavailable, { statusCode: 503 }), req, reply);
    });
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_EVENT_BODY }, (_req, body, done) => {
      done(null, body);
    });
    const s = scope.withTypeProvider<ZodTypeProvider>();
    const opts = (summary: string) => ({
      config: { access: 'public' as const },
      bodyLimit: MAX_EVENT_BODY,
      schema: { summary, security: [], params: sourceParam },
    });
    const unnamed = (summary: string) => ({
      config: { access: 'public' as const },
      bodyLimit: MAX_EVENT_BODY,
      schema: { summary, security: [] },
    });

    s.post(
      '/api/v1/events/alertmanager',
      unnamed(
        `Alertmanager webhook (payload version 4) for the source named "${DEFAULT_ALERTMANAGER_SOURCE}"`,
      ),
      async (req, reply) =>
        answer(
          reply,
          await ingest(
            req,
            await namedSource(DEFAULT_ALERTMANAGER_SOURCE, 'alertmanager'),
            parseAlertmanager,
          ),
        ),
    );
    s.post(
      '/api/v1/events/alertmanager/:source',
      opts('Alertmanager webhook (payload version 4)'),
      async (req, reply) =>
        answer(
          reply,
          await ingest(req, await namedSource(req.params.source, 'alertmanager'), parseAlertmanager),
        ),
    );
    s.post(
      '/api/v1/events/grafana/:source',
      opts('Grafana Alerting webhook (version 1)'),
      async (req, reply) =>
        answer(reply, await ingest(req, await namedSource(req.params.source, 'grafana'), parseGrafana)),
    );
    s.post(
      '/api/v1/events/webhook/:source',
      opts('A JSON webhook, read by the source’s mapping'),
      async (req, reply) => {
        const source = await namedSource(req.params.source, 'webhook');
        const mapping = source.mapping;
        if (mapping === null)
          throw new TandemError('internal', `webhook source ${source.name} has no mapping`);
        return answer(reply, await ingest(req, source, (b) => applyWebhookMapping(mapping, b)));
      },
    );

    const pagerduty = async (
      req: FastifyRequest,
      reply: FastifyReply,
      source: EventSource | null,
      body: unknown,
    ) => {
      let dedupKey = '';
      const read = (b: unknown) => {
        const { input } = parsePagerduty(b, uuidv7);
        dedupKey = input.fingerprint;
        return [input];
      };
      const named = source ?? (await routedSource(body));
      await ingest(req, named, read, body);
      return reply.code(202).send({ status: 'success', message: 'Event processed', dedup_key: dedupKey });
    };
    /** A sender that posts to PagerDuty's own path names its source by routing key alone. */
    const routedSource = async (body: unknown): Promise<EventSource> => {
      const key =
        typeof body === 'object' &&
        body !== null &&
        'routing_key' in body &&
        typeof body.routing_key === 'string'
          ? body.routing_key
          : undefined;
      if (key === undefined)
        throw new TandemError('invalid_input', 'routing_key: the routing key of a PagerDuty event source', {
          details: [{ path: 'routing_key', message: 'required' }],
        });
      const source = await findSourceByRoutingKey(ctx.store.db, key);
      if (!source) throw new TandemError('unauthorized', 'no event source has this routing key');
      return source;
    };
    s.post(
      '/api/v1/events/pagerduty',
      unnamed('PagerDuty Events API v2 (enqueue); the routing key names the source'),
      async (req, reply) => {
        const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        return pagerduty(req, reply, null, jsonOf(raw));
      },
    );
    s.post(
      '/api/v1/events/pagerduty/:source',
      opts('PagerDuty Events API v2 (enqueue)'),
      async (req, reply) => {
        const source = await namedSource(req.params.source, 'pagerduty');
        const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        return pagerduty(req, reply, source, jsonOf(raw));
      },
    );
  });

  r.get(
    '/api/v1/events',
    {
      config: { access: 'events:read' },
      schema: {
        summary: 'Events received, newest first, a page at a time',
        querystring: z.strictObject({
          source: z.string().max(200).optional(),
          fingerprint: z.string().max(255).optional(),
          incident: z.string().max(64).optional(),
          status: z.enum(['firing', 'resolved', 'acknowledged']).optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
          cursor: z.string().max(64).optional(),
        }),
      },
    },
    async (req) => {
      const q = req.query;
      const page = await listEvents(ctx.store.db, {
        limit: q.limit,
        ...(q.source === undefined ? {} : { source: q.source }),
        ...(q.fingerprint === undefined ? {} : { fingerprint: q.fingerprint }),
        ...(q.incident === undefined ? {} : { incidentId: q.incident }),
        ...(q.status === undefined ? {} : { status: q.status }),
        ...(q.cursor === undefined ? {} : { before: q.cursor }),
      });
      return {
        events: page.events.map(eventView),
        next_cursor: page.more ? (page.events.at(-1)?.id ?? null) : null,
      };
    },
  );

  r.get(
    '/api/v1/events/:id',
    {
      config: { access: 'events:read' },
      schema: {
        summary: 'One event as received and normalised',
        params: z.object({ id: z.string().max(64) }),
      },
    },
    async (req) => {
      const e = await findEvent(ctx.store.db, req.params.id);
      if (!e) throw new TandemError('not_found', `no event ${req.params.id}`);
      return eventView(e);
    },
  );

  r.get(
    '/api/v1/alerts',
    {
      config: { access: 'events:read' },
      schema: {
        summary: 'Alerts (one per fingerprint), most recently seen first',
        querystring: z.strictObject({
          status: z.enum(['firing', 'resolved']).optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
        }),
      },
    },
    async (req) => {
      const alerts = await listAlerts(ctx.store.db, {
        limit: req.query.limit,
        ...(req.query.status === undefined ? {} : { status: req.query.status }),
      });
      return {
        alerts: alerts.map((a) => ({
          fingerprint: a.fingerprint,
          source: a.source,
          status: a.status,
          severity: a.severity,
          summary: a.summary,
          labels: a.labels,
          resource: a.resource,
          site: a.site,
          incident_id: a.incidentId,
          suppressed_by: a.suppressedBy,
          starts_at: iso(a.startsAt),
          first_seen_at: iso(a.firstSeenAt),
          last_seen_at: iso(a.lastSeenAt),
          resolved_at: iso(a.resolvedAt),
          count: a.count,
        })),
      };
    },
  );
}
