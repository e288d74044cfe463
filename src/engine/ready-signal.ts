/**
 * Wake-ups for claims that wait: one listener on the store's `steps-ready` channel per process,
 * fanned out to the claims waiting for that site (embedded agents and HTTP long-polls alike).
 */
import { EventEmitter } from 'node:events';
import type { Store } from '../store/index.ts';

/** Sites whose steps this process made ready: its own waiters wake without the database's help. */
const local = new EventEmitter();
local.setMaxListeners(0);

/** Tell this process's waiting claims that `site` has ready steps (after the commit). */
export function readyHere(site: string): void {
  local.emit('ready', site);
}

export class ReadySignal {
  private readonly waiters = new Map<string, Set<() => void>>();
  private stop: (() => Promise<void>) | undefined;

  static async open(store: Store): Promise<ReadySignal> {
    const signal = new ReadySignal();
    const onLocal = (site: string) => signal.fire(site);
    local.on('ready', onLocal);
    const stopStore = await store.listen('steps-ready', onLocal);
    signal.stop = async () => {
      local.off('ready', onLocal);
      await stopStore();
    };
    return signal;
  }

  private fire(site: string): void {
    for (const w of this.waiters.get(site) ?? []) w();
  }

  /**
   * Register interest in `site` before looking for work, so a step made ready in between is not
   * missed; `wait` then resolves at the first signal since registration, after `ms`, or on abort.
   */
  watch(site: string): { wait(ms: number, signal: AbortSignal): Promise<void>; close(): void } {
    let fired = false;
    let wake: (() => void) | undefined;
    const onFire = () => {
      fired = true;
      wake?.();
    };
    let set = this.waiters.get(site);
    if (!set) this.waiters.set(site, (set = new Set()));
    set.add(onFire);
    const close = () => {
      set.delete(onFire);
      if (set.size === 0) this.waiters.delete(site);
    };
    return {
      close,
      wait: (ms, signal) =>
        new Promise<void>((resolve) => {
          if (fired || signal.aborted) return resolve();
          const done = () => {
            clearTimeout(timer);
            signal.removeEventListener('abort', done);
            wake = undefined;
            resolve();
          };
          const timer = setTimeout(done, ms);
          wake = done;
          signal.addEventListener('abort', done, { once: true });
        }),
    };
  }

  async close(): Promise<void> {
    await this.stop?.();
    this.waiters.clear();
  }
}
