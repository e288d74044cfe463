/**
 * Wake-ups for claims that wait: one listener on the store's `steps-ready` channel per process,
 * fanned out to the claims waiting for that site (embedded agents and HTTP long-polls alike).
 */
import { EventEmitter } from 'node:events';
import type { Store } from '../store/index.ts';

type SignalSource = Pick<Store, 'listen'> & { dialect: Pick<Store['dialect'], 'listenNotify'> };

/** Sites whose steps this process made ready: its own waiters wake without the database's help. */
const local = new EventEmitter();
local.setMaxListeners(0);

/** Tell this process's waiting claims that `site` has `count` more ready steps (after commit). */
export function readyHere(site: string, count = 1): void {
  local.emit('ready', readyPayload(site, count));
}

/** `site` or `site<TAB>count`: how many steps became ready, so only that many claims wake. */
export const readyPayload = (site: string, count: number): string => (count > 1 ? `${site}\t${count}` : site);

function parseReady(payload: string): { site: string; count: number } {
  const tab = payload.lastIndexOf('\t');
  if (tab < 0) return { site: payload, count: 1 };
  const count = Number(payload.slice(tab + 1));
  return { site: payload.slice(0, tab), count: Number.isInteger(count) && count > 0 ? count : 1 };
}

interface Waiter {
  fired: boolean;
  wake: (() => void) | undefined;
}

export class ReadySignal {
  private readonly waiters = new Map<string, Set<Waiter>>();
  private stop: (() => Promise<void>) | undefined;

  static async open(store: SignalSource): Promise<ReadySignal> {
    const signal = new ReadySignal();
    const onLocal = (payload: string) => signal.fire(payload);
    local.on('ready', onLocal);
    // In-process stores (SQLite) signal this process only, which readyHere already does.
    const stopStore = store.dialect.listenNotify
      ? await store.listen('steps-ready', onLocal)
      : () => Promise.resolve();
    signal.stop = async () => {
      local.off('ready', onLocal);
      await stopStore();
    };
    return signal;
  }

  /**
   * Wake as many waiting claims as steps became ready, oldest first, not every claim of the site:
   * each woken claim that finds nothing would cost a transaction for nothing.
   */
  private fire(payload: string): void {
    const { site, count } = parseReady(payload);
    let left = count;
    for (const w of this.waiters.get(site) ?? []) {
      if (left === 0) return;
      if (w.fired) continue;
      w.fired = true;
      w.wake?.();
      left--;
    }
  }

  /**
   * Register interest in `site` before looking for work, so a step made ready in between is not
   * missed; `wait` then resolves at the first signal since registration, after `ms`, or on abort.
   */
  watch(site: string): { wait(ms: number, signal: AbortSignal): Promise<void>; close(): void } {
    const me: Waiter = { fired: false, wake: undefined };
    let set = this.waiters.get(site);
    if (!set) this.waiters.set(site, (set = new Set()));
    set.add(me);
    const close = () => {
      set.delete(me);
      if (set.size === 0) this.waiters.delete(site);
    };
    return {
      close,
      wait: (ms, signal) =>
        new Promise<void>((resolve) => {
          if (me.fired || signal.aborted) return resolve();
          const done = () => {
            clearTimeout(timer);
            signal.removeEventListener('abort', done);
            me.wake = undefined;
            resolve();
          };
          const timer = setTimeout(done, ms);
          me.wake = done;
          signal.addEventListener('abort', done, { once: true });
        }),
    };
  }

  async close(): Promise<void> {
    await this.stop?.();
    this.waiters.clear();
  }
}
