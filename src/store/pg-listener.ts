/**
 * LISTEN on a dedicated PostgreSQL connection (a pooled one would be handed to queries and
 * lose its LISTENs). When the connection drops it reconnects with jittered exponential back-off
 * and LISTENs again; notifications sent while it was down are lost, which is why they are hints.
 */
import pg from 'pg';
import { errorMessage } from '../core/errors.ts';
import type { Log } from './store.ts';

type Handler = (payload: string) => void;

/** Reconnect after ~0.2 s, doubling up to ~10 s, times a random 0.5–1.5. */
const RECONNECT_BASE_MS = 200;
const RECONNECT_MAX_MS = 10_000;

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export class PgListener {
  readonly #config: pg.ClientConfig;
  readonly #log: Log;
  readonly #handlers = new Map<string, Set<Handler>>();
  /** Channels LISTENed on the current connection. */
  readonly #listening = new Set<string>();
  #client: pg.Client | undefined;
  #connecting: Promise<void> | undefined;
  #syncing: Promise<void> = Promise.resolve();
  #retryTimer: NodeJS.Timeout | undefined;
  #failures = 0;
  #closed = false;

  constructor(config: pg.ClientConfig, log: Log) {
    this.#config = config;
    this.#log = log;
  }

  async listen(channel: string, handler: Handler): Promise<() => Promise<void>> {
    if (this.#closed) throw new Error('store closed');
    let handlers = this.#handlers.get(channel);
    if (!handlers) {
      handlers = new Set();
      this.#handlers.set(channel, handlers);
    }
    // A wrapper per call, so the same function registered twice is removed once per unlisten.
    const entry: Handler = (payload) => {
      handler(payload);
    };
    handlers.add(entry);
    // While a reconnect is pending, the reconnect LISTENs to this channel too.
    if (!this.#client && this.#retryTimer === undefined) await this.#connect();
    await this.#sync();
    return async () => {
      const current = this.#handlers.get(channel);
      if (!current?.delete(entry)) return;
      if (current.size === 0) this.#handlers.delete(channel);
      await this.#sync();
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    await this.#connecting;
    const client = this.#client;
    this.#client = undefined;
    this.#handlers.clear();
    await client?.end().catch(() => undefined);
  }

  #connect(): Promise<void> {
    this.#connecting ??= this.#doConnect().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  async #doConnect(): Promise<void> {
    const client = new pg.Client(this.#config);
    client.on('notification', (msg) => {
      this.#dispatch(msg.channel, msg.payload ?? '');
    });
    client.on('error', (err) => {
      this.#lost(client, err);
    });
    client.on('end', () => {
      this.#lost(client);
    });
    try {
      await client.connect();
      if (this.#closed) {
        await client.end();
        return;
      }
      this.#client = client;
      this.#listening.clear();
      await this.#sync();
      if (this.#client !== client) return; // lost again while LISTENing; #lost scheduled a retry
      if (this.#failures > 0) this.#log('store: notification listener reconnected');
      this.#failures = 0;
    } catch (err: unknown) {
      if (this.#client === client) this.#client = undefined;
      client.end().catch(() => undefined);
      if (!this.#closed) {
        this.#log(`store: notification listener cannot connect: ${errorMessage(err)}`);
        this.#scheduleReconnect();
      }
    }
  }

  /** LISTEN and UNLISTEN so the connection listens exactly to the channels with handlers. */
  #sync(): Promise<void> {
    this.#syncing = this.#syncing.then(async () => {
      const client = this.#client;
      if (!client) return;
      try {
        for (const channel of this.#handlers.keys()) {
          if (this.#listening.has(channel)) continue;
          await client.query(`LISTEN ${quoteIdent(channel)}`);
          this.#listening.add(channel);
        }
        for (const channel of [...this.#listening]) {
          if (this.#handlers.has(channel)) continue;
          await client.query(`UNLISTEN ${quoteIdent(channel)}`);
          this.#listening.delete(channel);
        }
      } catch (err: unknown) {
        // The connection failed under us: its 'error'/'end' event schedules the reconnect,
        // which LISTENs to everything again.
        this.#log(`store: LISTEN failed: ${errorMessage(err)}`);
        this.#lost(client, err);
      }
    });
    return this.#syncing;
  }

  #lost(client: pg.Client, err?: unknown): void {
    if (this.#client !== client) return;
    this.#client = undefined;
    this.#listening.clear();
    client.end().catch(() => undefined);
    if (this.#closed) return;
    this.#log(
      `store: notification listener disconnected${err === undefined ? '' : `: ${errorMessage(err)}`}`,
    );
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#closed || this.#retryTimer !== undefined) return;
    const delay = Math.min(RECONNECT_MAX_MS, RECONNECT_BASE_MS * 2 ** this.#failures) * (0.5 + Math.random());
    this.#failures++;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      void this.#connect();
    }, delay);
    // Reconnecting alone should not keep the process alive.
    this.#retryTimer.unref();
  }

  #dispatch(channel: string, payload: string): void {
    const handlers = this.#handlers.get(channel);
    if (!handlers) return;
    for (const handler of [...handlers]) {
      try {
        handler(payload);
      } catch (err: unknown) {
        this.#log(`store: a listener of ${channel} failed: ${errorMessage(err)}`);
      }
    }
  }
}
