import { describe, expect, it } from 'vitest';
import { readyHere, ReadySignal } from './ready-signal.ts';

const inProcess = {
  dialect: { listenNotify: false },
  listen: () => Promise.resolve(() => Promise.resolve()),
};

describe('ready signals', () => {
  it('wake as many waiting claims of the site as steps became ready, oldest first', async () => {
    const ready = await ReadySignal.open(inProcess);
    const never = new AbortController().signal;
    const woken: number[] = [];
    const watches = [0, 1, 2].map((i) => {
      const w = ready.watch('site-a');
      void w.wait(2_000, never).then(() => woken.push(i));
      return w;
    });
    const other = ready.watch('site-b');
    readyHere('site-a', 2);
    await new Promise((r) => setTimeout(r, 20));
    expect(woken).toEqual([0, 1]);
    readyHere('site-a');
    await new Promise((r) => setTimeout(r, 20));
    expect(woken).toEqual([0, 1, 2]);
    for (const w of [...watches, other]) w.close();
    await ready.close();
  });

  it('a signal that comes between watching and waiting is not lost', async () => {
    const ready = await ReadySignal.open(inProcess);
    const w = ready.watch('s');
    readyHere('s');
    const t0 = Date.now();
    await w.wait(5_000, new AbortController().signal);
    expect(Date.now() - t0).toBeLessThan(100);
    w.close();
    await ready.close();
  });
});
