import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { afterEach, expect, it } from 'vitest';
import { silentLogger } from '../../src/engine/deps.ts';
import {
  createChannel,
  Dispatcher,
  enqueueNotification,
  invalidateChannels,
  type NotificationPayload,
} from '../../src/notify/index.ts';
import { masterKeyOf } from '../../src/secrets/index.ts';
import { describeEachStore } from '../support/stores.ts';

const key = masterKeyOf(randomBytes(32));

interface Mail {
  from: string;
  to: string[];
  data: string;
  user: string | undefined;
}

/** A real SMTP server on 127.0.0.1 collecting what it receives (plain text, as a local relay). */
async function startSmtp(auth?: { user: string; password: string }) {
  const mails: Mail[] = [];
  const options: SMTPServerOptions = {
    disabledCommands: auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !auth,
    allowInsecureAuth: true,
    logger: false,
    onAuth(a, _session, cb) {
      if (auth && a.username === auth.user && a.password === auth.password) cb(null, { user: a.username });
      else cb(new Error('Invalid username or password'));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          data: Buffer.concat(chunks).toString('utf8'),
          user: session.user as string | undefined,
        });
        cb();
      });
    },
  };
  const server = new SMTPServer(options);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { mails, port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const payload: NotificationPayload = {
  run: { id: 'run-9', runbook: 'db-failover', version: 1, title: 'Fail a database over', createdBy: 'alice' },
  task: {
    id: 'task-9',
    kind: 'approval',
    step: 'approve',
    title: 'Replication lag is 2s. Promote the standby?',
    message: 'Replication lag is 2s. Promote the standby?',
    assignees: { team: 'dba' },
    deadline: Date.UTC(2026, 4, 1, 13, 0),
  },
  path: '/tasks/task-9',
};

describeEachStore('e-mail notifications', (ctx) => {
  let closeSmtp: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await closeSmtp?.();
    closeSmtp = undefined;
  });

  async function sendOne(config: Record<string, unknown>) {
    const store = ctx().store;
    await store.transaction((tx) =>
      createChannel(tx, key, {
        name: 'mail',
        kind: 'email',
        config,
        events: ['task.created'],
        actor: 'admin',
        now: Date.now(),
      }),
    );
    invalidateChannels(store);
    await store.transaction((tx) => enqueueNotification(tx, store, 'task.created', payload));
    const d = new Dispatcher({
      store,
      masterKey: key,
      log: silentLogger,
      publicUrl: 'https://tandem.example.com',
    });
    expect(await d.dispatchDue()).toBe(1);
    return store.db.selectFrom('notification_deliveries').selectAll().executeTakeFirstOrThrow();
  }

  it('sends the task to the recipients through an SMTP server without authentication', async () => {
    const smtp = await startSmtp();
    closeSmtp = smtp.close;
    const row = await sendOne({
      host: '127.0.0.1',
      port: smtp.port,
      from: 'Tandem <tandem@example.com>',
      to: ['dba@example.com', 'oncall@example.com'],
    });
    expect(row).toMatchObject({ status: 'sent', attempts: 1 });
    expect(smtp.mails).toHaveLength(1);
    const [mail] = smtp.mails;
    expect(mail!.from).toBe('tandem@example.com');
    expect(mail!.to).toEqual(['dba@example.com', 'oncall@example.com']);
    const text = mail!.data.replaceAll(/=\r?\n/g, '');
    expect(text).toMatch(/^Subject: Approval needed: Fail a database over \(step approve\)/m);
    expect(text).toContain('https://tandem.example.com/tasks/task-9');
    expect(text).toContain('Who may act: team dba');
    expect(text).toContain('Replication lag is 2s. Promote the standby?');
  });

  it('logs in when the channel has a user and password, and gives up when they are refused', async () => {
    const smtp = await startSmtp({ user: 'tandem', password: 'smtp-pw' });
    closeSmtp = smtp.close;
    const base = {
      host: '127.0.0.1',
      port: smtp.port,
      from: 'tandem@example.com',
      to: ['dba@example.com'],
      user: 'tandem',
    };
    const row = await sendOne({ ...base, password: 'smtp-pw' });
    expect(row.status).toBe('sent');
    expect(smtp.mails.map((m) => m.user)).toEqual(['tandem']);

    const store = ctx().store;
    await store.db.deleteFrom('notification_channels').execute();
    await store.db.deleteFrom('notification_deliveries').execute();
    const refused = await sendOne({ ...base, password: 'wrong' });
    expect(refused.status).toBe('failed');
    expect(refused.last_error).toMatch(/^SMTP: .*(535|Invalid username or password)/);
    expect(smtp.mails).toHaveLength(1);
  });
});
