import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { enqueueNotification, invalidateChannels } from '../../src/notify/index.ts';
import { masterKeyOf } from '../../src/secrets/index.ts';
import { describeEachStore } from '../support/stores.ts';
import { ADMIN_TOKEN, notifyApp } from './notify-app.ts';
import { startReceiver, type Receiver } from './receiver.ts';

const key = masterKeyOf(randomBytes(32));
const TOKEN_IN_URL = `xoxb-${randomBytes(8).toString('hex')}`;
const SECRET = `sign-${randomBytes(8).toString('hex')}`;

describeEachStore('the notifications API', (ctx) => {
  let app: FastifyInstance;
  let receiver: Receiver;
  /** Every answer's raw text, to prove none of them ever held a credential. */
  let answers: string[];

  beforeEach(async () => {
    app = await notifyApp(ctx().store, key);
    receiver = await startReceiver();
    answers = [];
  });
  afterEach(async () => {
    await app.close();
    await receiver.close();
  });

  async function call(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown) {
    const headers: Record<string, string> = { authorization: `Bearer ${ADMIN_TOKEN}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await app.inject({
      method,
      url,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    answers.push(res.body);
    return { status: res.statusCode, body: res.body === '' ? undefined : res.json() };
  }

  const hookUrl = () => `${receiver.origin}/services/${TOKEN_IN_URL}`;

  it('creates a channel and never answers its URL or secret, nor stores them in clear', async () => {
    const created = await call('POST', '/api/v1/notifications/channels', {
      name: 'dba-ding',
      kind: 'dingtalk',
      events: ['task.created', 'task.escalated'],
      labels: { team: 'dba' },
      config: { url: hookUrl(), secret: SECRET },
    });
    expect(created).toMatchObject({
      status: 201,
      body: {
        name: 'dba-ding',
        kind: 'dingtalk',
        events: ['task.created', 'task.escalated'],
        labels: { team: 'dba' },
        enabled: true,
        target: `${receiver.origin}/…`,
        key_id: key.id,
        created_by: 'admin',
      },
    });
    expect((await call('GET', '/api/v1/notifications/channels')).body.channels).toHaveLength(1);
    expect((await call('GET', '/api/v1/notifications/channels/dba-ding')).body.name).toBe('dba-ding');
    const stored = await ctx()
      .store.db.selectFrom('notification_channels')
      .select('config')
      .executeTakeFirstOrThrow();
    expect(stored.config).not.toContain(TOKEN_IN_URL);
    expect(stored.config).not.toContain(SECRET);
    const audit = await ctx().store.db.selectFrom('audit_log').selectAll().execute();
    expect(audit.map((a) => [a.action, a.target, a.actor])).toEqual([
      ['notification_channel.created', 'notification_channel:dba-ding', 'admin'],
    ]);
    expect(answers.join('\n') + JSON.stringify(audit)).not.toMatch(new RegExp(`${TOKEN_IN_URL}|${SECRET}`));
  });

  it('refuses bad names, kinds, topics and settings with the field and the reason', async () => {
    const base = { name: 'x', kind: 'slack', events: ['run.failed'], config: { url: hookUrl() } };
    const bad = async (body: unknown) => (await call('POST', '/api/v1/notifications/channels', body)).status;
    expect(await bad({ ...base, name: 'no spaces' })).toBe(400);
    expect(await bad({ ...base, kind: 'pager' })).toBe(400);
    expect(await bad({ ...base, events: ['run.exploded'] })).toBe(400);
    expect(await bad({ ...base, events: [] })).toBe(400);
    const noUrl = await call('POST', '/api/v1/notifications/channels', {
      ...base,
      config: { url: 'ftp://x' },
    });
    expect(noUrl.status).toBe(400);
    expect(noUrl.body.error.details).toEqual([expect.objectContaining({ path: 'config.url' })]);
    const extra = await call('POST', '/api/v1/notifications/channels', {
      ...base,
      config: { url: hookUrl(), secret: 's' },
    });
    expect(extra.status).toBe(400);
    const mail = await call('POST', '/api/v1/notifications/channels', {
      ...base,
      kind: 'email',
      config: { host: 'smtp.example.com', from: 'tandem@example.com', to: ['not-an-address'] },
    });
    expect(mail.status).toBe(400);
    expect(mail.body.error.details[0].path).toBe('config.to.0');
    expect((await call('POST', '/api/v1/notifications/channels', base)).status).toBe(201);
    expect((await call('POST', '/api/v1/notifications/channels', base)).status).toBe(409);
    expect((await call('GET', '/api/v1/notifications/channels/nope')).status).toBe(404);
  });

  it('changes topics, labels and enabled, keeping settings not given', async () => {
    await call('POST', '/api/v1/notifications/channels', {
      name: 'hook',
      kind: 'webhook',
      events: ['run.failed'],
      config: { url: hookUrl(), secret: SECRET },
    });
    const changed = await call('PATCH', '/api/v1/notifications/channels/hook', {
      events: ['run.failed', 'run.succeeded'],
      labels: { team: 'web' },
      enabled: false,
    });
    expect(changed.body).toMatchObject({
      events: ['run.failed', 'run.succeeded'],
      labels: { team: 'web' },
      enabled: false,
    });
    await call('PATCH', '/api/v1/notifications/channels/hook', {
      enabled: true,
      labels: null,
      config: { url: `${hookUrl()}/v2` },
    });
    const tested = await call('POST', '/api/v1/notifications/channels/hook/test');
    expect(tested.body).toMatchObject({ channel: 'hook', ok: true, error: null });
    const [req] = receiver.received;
    expect(req!.url).toBe(`/services/${TOKEN_IN_URL}/v2`);
    // The secret was kept through the change of URL.
    expect(req!.headers['x-tandem-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(JSON.parse(req!.body)).toMatchObject({ topic: 'test', title: 'Test notification from Tandem' });
    const shown = await call('GET', '/api/v1/notifications/channels/hook');
    expect(shown.body).toMatchObject({ labels: null, enabled: true });
    const kindChange = await call('PATCH', '/api/v1/notifications/channels/hook', { kind: 'slack' });
    expect(kindChange.status).toBe(400);
    expect((await call('PATCH', '/api/v1/notifications/channels/none', { enabled: true })).status).toBe(404);
    const actions = (
      await ctx().store.db.selectFrom('audit_log').select('action').orderBy('id').execute()
    ).map((a) => a.action);
    expect(actions).toEqual([
      'notification_channel.created',
      'notification_channel.updated',
      'notification_channel.updated',
    ]);
    expect(answers.join('\n')).not.toMatch(new RegExp(`${TOKEN_IN_URL}|${SECRET}`));
  });

  it('answers how a test message went, without quoting the URL', async () => {
    receiver.answer = () => ({ status: 403, body: 'invalid_token' });
    await call('POST', '/api/v1/notifications/channels', {
      name: 's',
      kind: 'slack',
      events: ['run.failed'],
      config: { url: hookUrl() },
    });
    const tested = await call('POST', '/api/v1/notifications/channels/s/test');
    expect(tested).toMatchObject({ status: 200, body: { ok: false, error: 'HTTP 403: invalid_token' } });
    const slack = JSON.parse(receiver.received[0]!.body);
    expect(slack.text).toContain('Test notification from Tandem');
    expect(answers.join('\n')).not.toContain(TOKEN_IN_URL);
    expect((await call('POST', '/api/v1/notifications/channels/none/test')).status).toBe(404);
  });

  it('lists the outbox by status, and deleting a channel fails its waiting deliveries', async () => {
    const store = ctx().store;
    await call('POST', '/api/v1/notifications/channels', {
      name: 'h',
      kind: 'webhook',
      events: ['run.failed'],
      config: { url: hookUrl() },
    });
    invalidateChannels(store);
    await store.transaction((tx) =>
      enqueueNotification(tx, store, 'run.failed', { run: { id: 'r1', runbook: 'rb' }, path: '/runs/r1' }),
    );
    const pending = await call('GET', '/api/v1/notifications/deliveries?status=pending');
    expect(pending.body.deliveries).toEqual([
      expect.objectContaining({
        channel: 'h',
        topic: 'run.failed',
        status: 'pending',
        attempts: 0,
        path: '/runs/r1',
      }),
    ]);
    expect((await call('GET', '/api/v1/notifications/deliveries?status=sent')).body.deliveries).toEqual([]);
    expect((await call('GET', '/api/v1/notifications/deliveries?status=lost')).status).toBe(400);
    expect(await call('DELETE', '/api/v1/notifications/channels/h')).toEqual({
      status: 200,
      body: { name: 'h', deleted: true },
    });
    expect((await call('DELETE', '/api/v1/notifications/channels/h')).status).toBe(404);
    const failed = await call('GET', '/api/v1/notifications/deliveries?status=failed');
    expect(failed.body.deliveries).toEqual([
      expect.objectContaining({ channel: null, status: 'failed', last_error: 'the channel was deleted' }),
    ]);
  });
});
