import { createHmac, randomBytes } from 'node:crypto';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { silentLogger } from '../../src/engine/deps.ts';
import {
  createChannel,
  Dispatcher,
  enqueueNotification,
  invalidateChannels,
  MAX_ATTEMPTS,
  RETRY_DELAYS_MS,
  updateChannel,
  type ChannelKind,
  type NotificationPayload,
  type Topic,
} from '../../src/notify/index.ts';
import { masterKeyOf } from '../../src/secrets/index.ts';
import type { NotificationDeliveryRow } from '../../src/store/index.ts';
import { describeEachStore } from '../support/stores.ts';
import { startReceiver, type Receiver } from './receiver.ts';

const key = masterKeyOf(randomBytes(32));
const T0 = Date.UTC(2026, 4, 1, 12, 0, 0);
const PUBLIC = 'https://tandem.example.com';

const failedRun: NotificationPayload = {
  run: {
    id: 'run-1',
    runbook: 'backup',
    version: 2,
    status: 'failed',
    error: 'exit 3',
    labels: { team: 'dba' },
  },
  path: '/runs/run-1',
};

describeEachStore('the notification outbox and its sender', (ctx) => {
  let receiver: Receiver;
  let now: number;
  const clock = () => now;

  beforeEach(async () => {
    receiver = await startReceiver();
    now = T0;
  });
  afterEach(async () => {
    await receiver.close();
  });

  const store = () => ctx().store;
  const dispatcher = () =>
    new Dispatcher({ store: store(), masterKey: key, log: silentLogger, publicUrl: PUBLIC, clock });

  async function addChannel(
    name: string,
    o: {
      kind?: ChannelKind;
      config?: Record<string, unknown>;
      events?: Topic[];
      labels?: Record<string, string>;
    } = {},
  ) {
    const c = await store().transaction((tx) =>
      createChannel(tx, key, {
        name,
        kind: o.kind ?? 'webhook',
        config: o.config ?? { url: `${receiver.origin}/hook/${name}` },
        events: o.events ?? ['run.failed'],
        labels: o.labels ?? null,
        actor: 'admin',
        now,
      }),
    );
    invalidateChannels(store());
    return c;
  }

  const enqueue = (topic: Topic, payload: NotificationPayload = failedRun) =>
    store().transaction((tx) => enqueueNotification(tx, store(), topic, payload, now));

  const rows = (): Promise<NotificationDeliveryRow[]> =>
    store().db.selectFrom('notification_deliveries').selectAll().orderBy('id').execute();

  it('queues nothing while no channel wants the topic or the runbook labels', async () => {
    expect(await enqueue('run.failed')).toBe(0);
    await addChannel('dba', { events: ['task.created', 'run.failed'], labels: { team: 'dba' } });
    await addChannel('web', { events: ['run.succeeded'] });
    await addChannel('net', { events: ['run.failed'], labels: { team: 'network' } });
    expect(await enqueue('run.failed')).toBe(1);
    expect(await enqueue('run.failed', { ...failedRun, run: { ...failedRun.run!, labels: {} } })).toBe(0);
    expect(await enqueue('task.escalated')).toBe(0);
    const queued = await rows();
    expect(queued).toHaveLength(1);
    expect(queued[0]).toMatchObject({
      topic: 'run.failed',
      status: 'pending',
      attempts: 0,
      next_attempt_at: T0,
    });
  });

  it('sends a due delivery, signed, with the decision link, and marks it sent', async () => {
    await addChannel('hook', { config: { url: `${receiver.origin}/hook`, secret: 'whsec-1' } });
    await enqueue('run.failed');
    expect(await dispatcher().dispatchDue()).toBe(1);
    const [req] = receiver.received;
    expect(req).toMatchObject({ method: 'POST', url: '/hook' });
    const ts = req!.headers['x-tandem-timestamp'] as string;
    expect(Number(ts)).toBe(Math.floor(T0 / 1000));
    const expected = createHmac('sha256', 'whsec-1').update(`${ts}.${req!.body}`).digest('hex');
    expect(req!.headers['x-tandem-signature']).toBe(`sha256=${expected}`);
    expect(JSON.parse(req!.body)).toMatchObject({
      topic: 'run.failed',
      title: 'Run failed: backup',
      text: 'exit 3',
      link: `${PUBLIC}/runs/run-1`,
      run: { id: 'run-1' },
    });
    const [row] = await rows();
    expect(row).toMatchObject({
      status: 'sent',
      attempts: 1,
      sent_at: T0,
      lease_until: null,
      last_error: null,
    });
    expect(req!.headers['x-tandem-delivery']).toBe(String(row!.id));
    expect(await dispatcher().dispatchDue()).toBe(0);
  });

  it('retries after a 500 with back-off, then sends', async () => {
    await addChannel('flaky');
    receiver.answer = (_r, n) => (n === 1 ? { status: 500, body: 'upstream down' } : { status: 200 });
    await enqueue('run.failed');
    expect(await dispatcher().dispatchDue()).toBe(1);
    let [row] = await rows();
    expect(row).toMatchObject({
      status: 'pending',
      attempts: 1,
      next_attempt_at: T0 + 10_000,
      last_error: 'HTTP 500: upstream down',
      lease_until: null,
    });
    now = T0 + 9_999;
    expect(await dispatcher().dispatchDue()).toBe(0);
    now = T0 + 10_000;
    expect(await dispatcher().dispatchDue()).toBe(1);
    [row] = await rows();
    expect(row).toMatchObject({ status: 'sent', attempts: 2, sent_at: T0 + 10_000 });
    expect(receiver.received).toHaveLength(2);
  });

  it(`gives up after ${MAX_ATTEMPTS} attempts with the last error, backing off longer each time`, async () => {
    await addChannel('down');
    receiver.answer = (_r, n) => ({ status: 503, body: `attempt ${n}` });
    await enqueue('run.failed');
    const waits: number[] = [];
    for (let i = 1; i <= MAX_ATTEMPTS; i++) {
      expect(await dispatcher().dispatchDue()).toBe(1);
      const [row] = await rows();
      if (i < MAX_ATTEMPTS) {
        expect(row).toMatchObject({ status: 'pending', attempts: i });
        waits.push(row!.next_attempt_at - now);
        now = row!.next_attempt_at;
      } else {
        expect(row).toMatchObject({
          status: 'failed',
          attempts: MAX_ATTEMPTS,
          last_error: `HTTP 503: attempt ${MAX_ATTEMPTS}`,
        });
      }
    }
    expect(waits).toEqual(RETRY_DELAYS_MS);
    expect(waits.slice(0, 4)).toEqual([10_000, 30_000, 120_000, 600_000]);
    now += 86_400_000;
    expect(await dispatcher().dispatchDue()).toBe(0);
    expect(receiver.received).toHaveLength(MAX_ATTEMPTS);
  });

  it('gives up at once on an answer that will not change (404), and on a disabled channel', async () => {
    await addChannel('gone');
    receiver.answer = () => ({ status: 404, body: 'no_service' });
    await enqueue('run.failed');
    await dispatcher().dispatchDue();
    expect((await rows())[0]).toMatchObject({
      status: 'failed',
      attempts: 1,
      last_error: 'HTTP 404: no_service',
    });

    await enqueue('run.failed');
    await store().transaction((tx) => updateChannel(tx, key, 'gone', { enabled: false }, now));
    await dispatcher().dispatchDue();
    expect((await rows())[1]).toMatchObject({ status: 'failed', last_error: 'channel gone is disabled' });
    expect(receiver.received).toHaveLength(1);
  });

  it('treats an unreachable receiver as a failed attempt to retry', async () => {
    await addChannel('nowhere', { config: { url: 'http://127.0.0.1:9/never' } });
    await enqueue('run.failed');
    await dispatcher().dispatchDue();
    const [row] = await rows();
    expect(row).toMatchObject({ status: 'pending', attempts: 1, next_attempt_at: T0 + 10_000 });
    expect(row!.last_error).toMatch(/^cannot connect: /);
  });

  it('two senders at once send each delivery exactly once', async () => {
    await addChannel('busy');
    for (let i = 0; i < 20; i++) await enqueue('run.failed', { ...failedRun, path: `/runs/r${i}` });
    const a = dispatcher();
    const b = dispatcher();
    const drain = async (d: Dispatcher) => {
      while ((await d.dispatchDue()) > 0);
    };
    await Promise.all([drain(a), drain(b), drain(a), drain(b)]);
    const links = receiver.received.map((r) => JSON.parse(r.body).link as string).sort();
    expect(links).toHaveLength(20);
    expect(new Set(links).size).toBe(20);
    expect((await rows()).every((r) => r.status === 'sent' && r.attempts === 1)).toBe(true);
  });

  it('delivers the chat formats to their webhooks, signed where the service signs', async () => {
    receiver.answer = (r) =>
      r.url.startsWith('/feishu')
        ? { status: 200, body: '{"code":0,"msg":"success"}' }
        : { status: 200, body: '{"errcode":0,"errmsg":"ok"}' };
    await addChannel('slack', { kind: 'slack', config: { url: `${receiver.origin}/slack/T/B/X` } });
    await addChannel('ding', {
      kind: 'dingtalk',
      config: { url: `${receiver.origin}/dingtalk/robot/send?access_token=tok`, secret: 'SECding' },
    });
    await addChannel('lark', {
      kind: 'feishu',
      config: { url: `${receiver.origin}/feishu/hook/abc`, secret: 'larksec' },
    });
    await addChannel('wecom', { kind: 'wecom', config: { url: `${receiver.origin}/wecom/send?key=k` } });
    await enqueue('run.failed');
    expect(await dispatcher().dispatchDue()).toBe(4);
    const by = (prefix: string) => receiver.received.find((r) => r.url.startsWith(prefix))!;

    expect(JSON.parse(by('/slack').body).blocks[0].text.text).toBe('Run failed: backup');

    const ding = new URL(by('/dingtalk').url, receiver.origin);
    expect(ding.searchParams.get('timestamp')).toBe(String(T0));
    expect(ding.searchParams.get('sign')).toBe(
      createHmac('sha256', 'SECding').update(`${T0}\nSECding`).digest('base64'),
    );
    expect(JSON.parse(by('/dingtalk').body).msgtype).toBe('markdown');

    const lark = JSON.parse(by('/feishu').body);
    const ts = Math.floor(T0 / 1000);
    expect(lark).toMatchObject({ msg_type: 'interactive', timestamp: String(ts) });
    expect(lark.sign).toBe(createHmac('sha256', `${ts}\nlarksec`).update('').digest('base64'));

    expect(JSON.parse(by('/wecom').body).markdown.content).toContain(`(${PUBLIC}/runs/run-1)`);
    expect((await rows()).map((r) => r.status)).toEqual(['sent', 'sent', 'sent', 'sent']);
  });

  it('counts a DingTalk or WeCom errcode in a 200 answer as a failed attempt', async () => {
    receiver.answer = () => ({ status: 200, body: '{"errcode":310000,"errmsg":"sign not match"}' });
    await addChannel('ding', {
      kind: 'dingtalk',
      config: { url: `${receiver.origin}/robot/send?access_token=t` },
    });
    await enqueue('run.failed');
    await dispatcher().dispatchDue();
    expect((await rows())[0]).toMatchObject({
      status: 'pending',
      attempts: 1,
      last_error: 'dingtalk refused the message: errcode 310000: sign not match',
    });
  });

  it('the running sender wakes on a new delivery rather than on its next poll', async () => {
    await addChannel('live');
    const stop = new AbortController();
    const live = new Dispatcher({ store: store(), masterKey: key, log: silentLogger, publicUrl: PUBLIC });
    const running = live.run(stop.signal);
    try {
      // Let the sender reach its sleep (its idle poll is 15 s).
      await new Promise((r) => setTimeout(r, 300));
      now = Date.now();
      const started = Date.now();
      await enqueue('run.failed');
      await receiver.waitFor(1, 5_000);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      stop.abort();
      await running;
    }
    expect((await rows())[0]!.status).toBe('sent');
  });
});
