/**
 * `/api/v1/notifications`: channels (create, list, show, change, delete, send a test) and the
 * outbox of deliveries. A channel's settings (webhook URLs, signing secrets, SMTP passwords) go
 * in and never come out: views show the kind, topics, label filter and the host it sends to.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorMessage, TandemError } from '../../core/errors.ts';
import {
  buildMessage,
  CHANNEL_KINDS,
  CHANNEL_NAME,
  createChannel,
  deleteChannel,
  DELIVERY_STATUSES,
  findChannelRow,
  invalidateChannels,
  listChannels,
  listDeliveries,
  channelInfo,
  openChannel,
  publicUrlOf,
  sendMessage,
  SEND_TIMEOUT_MS,
  TOPICS,
  updateChannel,
  type ChannelInfo,
  type DeliveryInfo,
} from '../../notify/index.ts';
import { appendAudit } from '../../store/index.ts';
import { callerOf } from '../access.ts';
import type { ServerContext } from '../context.ts';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function channelView(c: ChannelInfo) {
  return {
    name: c.name,
    kind: c.kind,
    events: c.events,
    labels: c.labels,
    enabled: c.enabled,
    target: c.target,
    key_id: c.keyId,
    created_by: c.createdBy,
    created_at: iso(c.createdAt),
    updated_at: iso(c.updatedAt),
  };
}

function deliveryView(d: DeliveryInfo) {
  return {
    id: d.id,
    channel: d.channel,
    topic: d.topic,
    status: d.status,
    attempts: d.attempts,
    next_attempt_at: d.status === 'pending' ? iso(d.nextAttemptAt) : null,
    last_error: d.lastError,
    path: d.path,
    created_at: iso(d.createdAt),
    sent_at: iso(d.sentAt),
  };
}

/** What the audit log keeps of a channel: never its settings. */
const auditData = (c: ChannelInfo) => ({
  kind: c.kind,
  events: c.events,
  labels: c.labels,
  enabled: c.enabled,
  target: c.target,
});

const name = z.object({
  name: z.string().regex(CHANNEL_NAME, 'a letter or digit, then up to 63 letters, digits, _, . or -'),
});
const events = z
  .array(z.enum(TOPICS))
  .min(1)
  .max(20)
  .describe(`Topics: ${TOPICS.join(', ')}`);
const labels = z
  .record(z.string().min(1).max(63), z.string().max(63))
  .describe('Only runs of runbooks with all these labels (e.g. {"team": "dba"})');
const config = z
  .record(z.string(), z.unknown())
  .describe('The settings of the kind: url (and secret), or host, port, secure, user, password, from, to');

export function notificationRoutes(
  app: FastifyInstance,
  ctx: Pick<ServerContext, 'store' | 'clock' | 'log' | 'masterKey'>,
): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const key = ctx.masterKey;
  const target = (n: string) => `notification_channel:${n}`;

  r.post(
    '/api/v1/notifications/channels',
    {
      config: { access: 'notifications:write' },
      schema: {
        summary: 'Create a notification channel; its settings are sealed and never answered',
        body: z.strictObject({
          name: name.shape.name,
          kind: z.enum(CHANNEL_KINDS),
          events,
          labels: labels.optional(),
          enabled: z.boolean().optional(),
          config,
        }),
      },
    },
    async (req, reply) => {
      const caller = callerOf(req);
      const now = ctx.clock();
      const created = await ctx.store.transaction(async (tx) => {
        const c = await createChannel(tx, key, { ...req.body, actor: caller.subject, now });
        await appendAudit(
          tx,
          {
            actor: caller.subject,
            action: 'notification_channel.created',
            target: target(c.name),
            address: req.ip,
            data: auditData(c),
          },
          now,
        );
        return c;
      });
      invalidateChannels(ctx.store);
      ctx.log.info(
        { channel: created.name, kind: created.kind, actor: caller.subject },
        'notification channel created',
      );
      return reply.code(201).send(channelView(created));
    },
  );

  r.get(
    '/api/v1/notifications/channels',
    {
      config: { access: 'notifications:read' },
      schema: { summary: 'Every notification channel, without settings' },
    },
    async () => ({ channels: (await listChannels(ctx.store.db)).map(channelView) }),
  );

  r.get(
    '/api/v1/notifications/channels/:name',
    {
      config: { access: 'notifications:read' },
      schema: { summary: 'A notification channel, without settings', params: name },
    },
    async (req) => {
      const row = await findChannelRow(ctx.store.db, req.params.name);
      if (!row) throw new TandemError('not_found', `notification channel ${req.params.name} does not exist`);
      return channelView(channelInfo(row));
    },
  );

  r.patch(
    '/api/v1/notifications/channels/:name',
    {
      config: { access: 'notifications:write' },
      schema: {
        summary:
          'Change a channel: topics, label filter, enabled, or settings (merged with the current ones)',
        params: name,
        body: z.strictObject({
          kind: z.enum(CHANNEL_KINDS).optional(),
          events: events.optional(),
          labels: labels.nullable().optional(),
          enabled: z.boolean().optional(),
          config: config.optional(),
        }),
      },
    },
    async (req) => {
      const caller = callerOf(req);
      const now = ctx.clock();
      const updated = await ctx.store.transaction(async (tx) => {
        const c = await updateChannel(tx, key, req.params.name, req.body, now);
        if (!c) throw new TandemError('not_found', `notification channel ${req.params.name} does not exist`);
        const changed = Object.keys(req.body).sort();
        await appendAudit(
          tx,
          {
            actor: caller.subject,
            action: 'notification_channel.updated',
            target: target(c.name),
            address: req.ip,
            data: { ...auditData(c), changed },
          },
          now,
        );
        return c;
      });
      invalidateChannels(ctx.store);
      ctx.log.info({ channel: updated.name, actor: caller.subject }, 'notification channel changed');
      return channelView(updated);
    },
  );

  r.delete(
    '/api/v1/notifications/channels/:name',
    {
      config: { access: 'notifications:write' },
      schema: { summary: 'Delete a channel (its deliveries still waiting are marked failed)', params: name },
    },
    async (req) => {
      const caller = callerOf(req);
      const now = ctx.clock();
      const deleted = await ctx.store.transaction(async (tx) => {
        const c = await deleteChannel(tx, req.params.name, now);
        if (!c) throw new TandemError('not_found', `notification channel ${req.params.name} does not exist`);
        await appendAudit(
          tx,
          {
            actor: caller.subject,
            action: 'notification_channel.deleted',
            target: target(c.name),
            address: req.ip,
            data: auditData(c),
          },
          now,
        );
        return c;
      });
      invalidateChannels(ctx.store);
      ctx.log.info({ channel: deleted.name, actor: caller.subject }, 'notification channel deleted');
      return { name: deleted.name, deleted: true };
    },
  );

  r.post(
    '/api/v1/notifications/channels/:name/test',
    {
      config: { access: 'notifications:write' },
      schema: { summary: 'Send a test message through a channel now and answer how it went', params: name },
    },
    async (req) => {
      const row = await findChannelRow(ctx.store.db, req.params.name);
      if (!row) throw new TandemError('not_found', `notification channel ${req.params.name} does not exist`);
      const channel = openChannel(row, key);
      const started = Date.now();
      const base = publicUrlOf(originOf(req));
      try {
        await sendMessage(
          channel,
          buildMessage('test', { path: '/', test: true }, base),
          { path: '/', test: true },
          {
            fetch,
            now: ctx.clock,
            timeoutMs: SEND_TIMEOUT_MS,
            deliveryId: null,
          },
        );
        return { channel: row.name, ok: true, error: null, duration_ms: Date.now() - started };
      } catch (err: unknown) {
        return { channel: row.name, ok: false, error: errorMessage(err), duration_ms: Date.now() - started };
      }
    },
  );

  r.get(
    '/api/v1/notifications/deliveries',
    {
      config: { access: 'notifications:read' },
      schema: {
        summary: 'The outbox: deliveries newest first, by status or channel',
        querystring: z.strictObject({
          status: z.enum(DELIVERY_STATUSES).optional(),
          channel: name.shape.name.optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
        }),
      },
    },
    async (req) => ({
      deliveries: (
        await listDeliveries(ctx.store.db, {
          limit: req.query.limit,
          ...(req.query.status === undefined ? {} : { status: req.query.status }),
          ...(req.query.channel === undefined ? {} : { channel: req.query.channel }),
        })
      ).map(deliveryView),
    }),
  );
}

/** The server's address as the caller reached it: links of a test message point there by default. */
function originOf(req: FastifyRequest): string {
  return `${req.protocol}://${req.host}`;
}
