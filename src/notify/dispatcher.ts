/**
 * The sender: claims due deliveries from the outbox (any number of replicas may run it: a claim
 * leases its rows, and PostgreSQL's SKIP LOCKED keeps replicas off each other's), sends each with
 * a timeout, and records the result — sent, a retry after a back-off, or given up after
 * `MAX_ATTEMPTS`. It sleeps until the next delivery is due and wakes on new rows.
 */
import { errorMessage } from '../core/errors.ts';
import type { Logger } from '../engine/deps.ts';
import type { MasterKey } from '../secrets/index.ts';
import type { NotificationChannelRow, Store } from '../store/index.ts';
import type { ChannelConfig } from './channel-config.ts';
import { openChannel } from './channels.ts';
import { isDeliveryError } from './delivery-error.ts';
import { buildMessage } from './message.ts';
import {
  claimDueDeliveries,
  nextDeliveryDue,
  OUTBOX_SIGNAL,
  recordFailure,
  recordSent,
  releaseDelivery,
  type ClaimedDelivery,
} from './outbox.ts';
import { sendMessage, SEND_TIMEOUT_MS } from './send.ts';
import { isTopic } from './topics.ts';

/** Pauses after failed attempts 1, 2, …: 10 s, 30 s, 2 min, 10 min, 30 min, 1 h, 2 h. */
export const RETRY_DELAYS_MS = [10_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000, 7_200_000];
/** 8 attempts over about 4 hours 13 minutes: long enough to ride out an outage of the chat service. */
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;
/** Rows claimed at once, and sent in parallel. */
const BATCH = 16;
/** Longer than a send can take (10 s) with room: a lease runs out only when its sender died. */
const LEASE_MS = 60_000;
/** Poll at least this often: a wake-up can be missed while the listener reconnects. */
const MAX_IDLE_MS = 15_000;

export interface DispatcherDeps {
  store: Store;
  masterKey: MasterKey;
  log: Logger;
  /** Where decision links point (TANDEM_PUBLIC_URL, else the server's own URL). */
  publicUrl: string;
  clock?: () => number;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

/** When to try again after `attempts` failed attempts, or null to give up. */
export function retryAt(attempts: number, now: number, retryable: boolean): number | null {
  if (!retryable || attempts >= MAX_ATTEMPTS) return null;
  return now + RETRY_DELAYS_MS[Math.min(attempts, RETRY_DELAYS_MS.length) - 1]!;
}

export class Dispatcher {
  private readonly clock: () => number;
  private readonly fetch: typeof fetch;
  private readonly timeoutMs: number;

  constructor(private readonly deps: DispatcherDeps) {
    this.clock = deps.clock ?? Date.now;
    this.fetch = deps.fetch ?? fetch;
    this.timeoutMs = deps.timeoutMs ?? SEND_TIMEOUT_MS;
  }

  /** Claim and send one batch of due deliveries; answers how many were claimed. */
  async dispatchDue(signal?: AbortSignal): Promise<number> {
    const claimed = await claimDueDeliveries(this.deps.store, {
      now: this.clock(),
      max: BATCH,
      leaseMs: LEASE_MS,
    });
    if (claimed.length === 0) return 0;
    const ids = [...new Set(claimed.map((d) => d.channelId))];
    const rows = await this.deps.store.db
      .selectFrom('notification_channels')
      .selectAll()
      .where('id', 'in', ids)
      .execute();
    const channels = new Map(rows.map((r) => [r.id, r]));
    await Promise.all(claimed.map((d) => this.deliver(d, channels.get(d.channelId), signal)));
    return claimed.length;
  }

  private async deliver(d: ClaimedDelivery, row: NotificationChannelRow | undefined, signal?: AbortSignal) {
    const db = this.deps.store.db;
    const log = this.deps.log.child({ delivery: d.id, topic: d.topic });
    const giveUp = (error: string) => recordFailure(db, d, { error, retryAt: null, now: this.clock() });
    if (!row) return giveUp('the channel was deleted');
    if (row.enabled === 0) return giveUp(`channel ${row.name} is disabled`);
    if (!isTopic(d.topic)) return giveUp(`unknown topic ${d.topic}`);
    let channel: ChannelConfig;
    try {
      channel = openChannel(row, this.deps.masterKey);
    } catch (err: unknown) {
      log.error({ channel: row.name, err: errorMessage(err) }, 'notification channel cannot be opened');
      return giveUp(errorMessage(err));
    }
    try {
      const message = buildMessage(d.topic, d.payload, this.deps.publicUrl);
      await sendMessage(channel, message, d.payload, {
        fetch: this.fetch,
        now: this.clock,
        timeoutMs: this.timeoutMs,
        deliveryId: d.id,
        ...(signal ? { signal } : {}),
      });
      await recordSent(db, d, this.clock());
      log.debug({ channel: row.name }, 'notification sent');
    } catch (err: unknown) {
      if (signal?.aborted) return releaseDelivery(db, d);
      const error = errorMessage(err);
      const attempts = d.attempts + 1;
      const at = retryAt(attempts, this.clock(), isDeliveryError(err) ? err.retryable : true);
      await recordFailure(db, d, { error, retryAt: at, now: this.clock() });
      log.warn(
        {
          channel: row.name,
          attempts,
          err: error,
          ...(at === null ? {} : { retryAt: new Date(at).toISOString() }),
        },
        at === null ? 'notification given up' : 'notification failed; will retry',
      );
    }
  }

  /** Run until `signal` aborts: wake on new rows, at the next due time, or every `MAX_IDLE_MS`. */
  async run(signal: AbortSignal): Promise<void> {
    let wake: (() => void) | undefined;
    // Set by a wake-up that arrives while a batch is being sent: look again before sleeping.
    const heard = { rows: false };
    const stop = await this.deps.store.listen(OUTBOX_SIGNAL, () => {
      heard.rows = true;
      wake?.();
    });
    const onAbort = () => wake?.();
    signal.addEventListener('abort', onAbort);
    try {
      while (!signal.aborted) {
        heard.rows = false;
        let busy = false;
        try {
          busy = (await this.dispatchDue(signal)) === BATCH;
        } catch (err: unknown) {
          this.deps.log.error({ err: errorMessage(err) }, 'notification sender failed; trying again');
        }
        if (busy || heard.rows) continue;
        let delay = MAX_IDLE_MS;
        try {
          const next = await nextDeliveryDue(this.deps.store.db);
          if (next !== undefined) delay = Math.max(0, Math.min(delay, next - this.clock()));
        } catch {
          // The next poll tries again.
        }
        if (heard.rows || signal.aborted) continue;
        // Due but not claimed: another replica is claiming it this instant; look again shortly.
        delay = Math.max(delay, 50);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, delay);
          wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
        wake = undefined;
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      await stop();
    }
  }
}

/** Start the sender; resolves when `signal` aborted and it stopped. */
export function runNotificationDispatcher(deps: DispatcherDeps, signal: AbortSignal): Promise<void> {
  return new Dispatcher(deps).run(signal);
}
