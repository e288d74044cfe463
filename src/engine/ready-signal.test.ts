import { describe, expect, it } from 'vitest';
import { readyHere, readyPayload, ReadySignal } from './ready-signal.ts';

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
    readyHere({ site: 'site-a', labels: [], count: 2 });
    await new Promise((r) => setTimeout(r, 20));
    expect(woken).toEqual([0, 1]);
    readyHere({ site: 'site-a', labels: [], count: 1 });
    await new Promise((r) => setTimeout(r, 20));
    expect(woken).toEqual([0, 1, 2]);
    for (const w of [...watches, other]) w.close();
    await ready.close();
  });

  it('a signal that comes between watching and waiting is not lost', async () => {
    const ready = await ReadySignal.open(inProcess);
    const w = ready.watch('s');
    readyHere({ site: 's', labels: [], count: 1 });
    const t0 = Date.now();
    await w.wait(5_000, new AbortController().signal);
    expect(Date.now() - t0).toBeLessThan(100);
    w.close();
    await ready.close();
  });

  it('a step that needs labels wakes only claims of agents that have them', async () => {
    const ready = await ReadySignal.open(inProcess);
    const never = new AbortController().signal;
    const woken: string[] = [];
    const web = ready.watch('idc', ['linux']);
    const db = ready.watch('idc', ['linux', 'postgres']);
    void web.wait(2_000, never).then(() => woken.push('web'));
    void db.wait(2_000, never).then(() => woken.push('db'));
    readyHere({ site: 'idc', labels: ['postgres'], count: 1 });
    await new Promise((r) => setTimeout(r, 20));
    expect(woken).toEqual(['db']);
    web.close();
    db.close();
    await ready.close();
  });
});

describe('ready signals through the database', () => {
  it('a signal of another process wakes claims here; this process’s own echo does not wake them twice', async () => {
    let deliver: (payload: string) => void = () => undefined;
    const viaDatabase = {
      dialect: { listenNotify: true },
      listen: (_channel: string, handler: (payload: string) => void) => {
        deliver = handler;
        return Promise.resolve(() => Promise.resolve());
      },
    };
    const ready = await ReadySignal.open(viaDatabase);
    const never = new AbortController().signal;
    const woken: number[] = [];
    const watches = [0, 1].map((i) => {
      const w = ready.watch('x');
      void w.wait(2_000, never).then(() => woken.push(i));
      return w;
    });
    deliver(readyPayload({ site: 'x', labels: [], count: 1 }));
    await new Promise((r) => setTimeout(r, 20));
    expect(woken).toEqual([]);
    deliver(JSON.stringify(['x', [], 1, 'another-process']));
    await new Promise((r) => setTimeout(r, 20));
    expect(woken).toEqual([0]);
    for (const w of watches) w.close();
    await ready.close();
  });
});
