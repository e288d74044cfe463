/**
 * Wake-ups for claims that wait: one listener on the store's `steps-ready` channel per process,
 * fanned out to the claims waiting for that site (embedded agents and HTTP long-polls alike).
 * A signal says how many steps became ready and which labels they need, so only as many claims
 * wake as could take them, oldest first.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Store } from '../store/index.ts';

type SignalSource = Pick<Store, 'listen'> & { dialect: Pick<Store['dialect'], 'listenNotify'> };

/** Steps that became ready together at one site, needing the same labels. */
export interface ReadyGroup {
  site: string;
  labels: string[];
  count: number;
}

/** Sites whose steps this process made ready: its own waiters wake without the database's help. */
const local = new EventEmitter();
local.setMaxListeners(0);

/** Tell this process's waiting claims about steps made ready (call after the commit). */
export function readyHere(group: ReadyGroup): void {
  local.emit('ready', group);
}

/** This process, in payloads: its own signals come back through the database too, and are ignored. */
const ORIGIN = randomUUID();

export const readyPayload = (g: ReadyGroup): string => JSON.stringify([g.site, g.labels, g.count, ORIGIN]);

function parseReady(payload: string): ReadyGroup | undefined {
  try {
    const [site, labels, count, origin] = JSON.parse(payload) as [unknown, unknown, unknown, unknown];
    if (typeof site !== 'string' || !Array.isArray(labels) || typeof count !== 'number') return undefined;
    if (origin === ORIGIN) return undefined;
    return { site, labels: labels.filter((l): l is string => typeof l === 'string'), count };
  } catch {
    return undefined;
  }
}

interface Waiter {
  labels: Set<string>;
  fired: boolean;
  wake: (() => void) | undefined;
}

export class ReadySignal {
  private readonly waiters = new Map<string, Set<Waiter>>();
  private stop: (() => Promise<void>) | undefined;

  static async open(store: SignalSource): Promise<ReadySignal> {
    const signal = new ReadySignal();
    const onLocal = (group: ReadyGroup) => signal.fire(group);
    const onPayload = (payload: string) => {
      const group = parseReady(payload);
      if (group) signal.fire(group);
    };
    local.on('ready', onLocal);
    // In-process stores (SQLite) signal this process only, which readyHere already does.
    const stopStore = store.dialect.listenNotify
      ? await store.listen('steps-ready', onPayload)
      : () => Promise.resolve();
    signal.stop = async () => {
      local.off('ready', onLocal);
      await stopStore();
    };
    return signal;
  }

  /** Wake up to `count` waiting claims of the site that have the labels, oldest first. */
  private fire(g: ReadyGroup): void {
    let left = g.count;
    for (const w of this.waiters.get(g.site) ?? []) {
      if (left === 0) return;
      if (w.fired || !g.labels.every((l) => w.labels.has(l))) continue;
      w.fired = true;
      w.wake?.();
      left--;
    }
  }

  /**
   * Register interest in `site` (for an agent with `labels`) before looking for work, so a step
   * made ready in between is not missed; `wait` then resolves at the first signal since
   * registration, after `ms`, or on abort.
   */
  watch(
    site: string,
    labels: string[] = [],
  ): { wait(ms: number, signal: AbortSignal): Promise<void>; close(): void } {
    const me: Waiter = { labels: new Set(labels), fired: false, wake: undefined };
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
