import { expect, it } from 'vitest';
import { describeEachStore } from '../../test/support/stores.ts';
import { appendStepLogs, listStepLogs, trimStepLogs } from './step-logs.ts';

describeEachStore('step logs', (ctx) => {
  it('an attempt past its log limit keeps the tail and says how much was dropped', async () => {
    const { store } = ctx();
    const at = { runId: 'r1', key: 'a', attempt: 1 };
    const chunk = (i: number) => ({ ...at, stream: 'stdout', data: `${String(i).padStart(9, '0')}\n` });
    await appendStepLogs(
      store,
      Array.from({ length: 10 }, (_, i) => chunk(i)),
      1,
    );
    expect(await trimStepLogs(store.db, at, 35)).toBe(70);
    const text = (await listStepLogs(store.db, 'r1')).map((l) => l.data).join('');
    expect(text).toBe('[earlier output dropped: 70 bytes]\n000000007\n000000008\n000000009\n');
    await appendStepLogs(store, [chunk(10)], 2);
    await trimStepLogs(store.db, at, 35);
    const again = (await listStepLogs(store.db, 'r1')).map((l) => l.data).join('');
    expect(again).toBe('[earlier output dropped: 80 bytes]\n000000008\n000000009\n000000010\n');
    expect(await trimStepLogs(store.db, at, 1000)).toBe(0);
  });
});
