/** `Store.transaction`: one transaction, retried on contention, with notifications after commit. */
import type { Kysely } from 'kysely';
import { errorMessage, isTandemError, TandemError } from '../core/errors.ts';
import { fullChannelName } from './channel.ts';
import type { DialectAdapter } from './dialect.ts';
import type { Log, Notifier, PendingNotification, Tx } from './store.ts';
import type { Database } from './tables.ts';

/**
 * 5 tries: contention between a handful of replicas clears within one or two; a transaction that
 * still conflicts after that is more likely a bug than bad luck.
 */
export const MAX_TRANSACTION_ATTEMPTS = 5;
/** Pause before try n+1: ~10 ms doubling (10, 20, 40, 80), times a random 0.5–1.5 to desynchronise. */
const BASE_DELAY_MS = 10;

export interface TransactionDeps {
  db: Kysely<Database>;
  dialect: DialectAdapter;
  notifier: Notifier;
  channelPrefix: string;
  log: Log;
}

export function isRetryableTransactionError(err: unknown, dialect: DialectAdapter): boolean {
  return dialect.isTransientError(err) || (isTandemError(err, 'conflict') && err.retryable);
}

export async function runTransaction<T>(deps: TransactionDeps, fn: (tx: Tx) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const notes = new Map<string, PendingNotification>();
    const afterCommit: (() => void)[] = [];
    let open = true;
    const ensureOpen = (what: string): void => {
      if (!open) throw new TandemError('internal', `${what} called on a transaction that has ended`);
    };
    try {
      const result = await deps.db.transaction().execute(async (trx) => {
        const tx: Tx = {
          db: trx,
          dialect: deps.dialect,
          notify(channel, payload = '') {
            ensureOpen('notify');
            const full = fullChannelName(deps.channelPrefix, channel);
            notes.set(JSON.stringify([full, payload]), { channel: full, payload });
          },
          takeNotifications() {
            ensureOpen('takeNotifications');
            if (!deps.dialect.listenNotify) return [];
            const taken = [...notes.values()];
            notes.clear();
            return taken;
          },
          afterCommit(cb) {
            ensureOpen('afterCommit');
            afterCommit.push(cb);
          },
        };
        const value = await fn(tx);
        if (notes.size > 0) await deps.notifier.beforeCommit(trx, [...notes.values()]);
        return value;
      });
      open = false;
      deps.notifier.afterCommit([...notes.values()]);
      for (const cb of afterCommit) {
        try {
          cb();
        } catch (err: unknown) {
          deps.log(`store: an afterCommit callback failed: ${errorMessage(err)}`);
        }
      }
      return result;
    } catch (err: unknown) {
      open = false;
      if (attempt >= MAX_TRANSACTION_ATTEMPTS || !isRetryableTransactionError(err, deps.dialect)) throw err;
      const delay = BASE_DELAY_MS * 2 ** (attempt - 1) * (0.5 + Math.random());
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
