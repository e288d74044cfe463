/** The audit chain on both stores: appends serialise, verify finds the first altered entry. */
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { appendAudit, auditHash, listAudit, verifyAudit, GENESIS_HASH } from '../../src/store/index.ts';
import { describeEachStore } from '../support/stores.ts';

describeEachStore('audit trail', (ctx) => {
  const append = (n: number) =>
    ctx().store.transaction((tx) =>
      appendAudit(
        tx,
        {
          actor: `user${n}`,
          action: 'run.started',
          target: `run:${n}`,
          address: '127.0.0.1',
          data: { n, b: [1], a: 'x' },
        },
        1_700_000_000_000 + n,
      ),
    );

  it('chains each entry to the one before and verifies', async () => {
    const first = await append(1);
    const second = await append(2);
    expect(first.prev_hash).toBe(GENESIS_HASH);
    expect(second.prev_hash).toBe(first.hash);
    expect(second.hash).toBe(auditHash(first.hash, second));
    // data is stored canonically: keys sorted, so the hash does not depend on the caller's order.
    expect(second.data).toBe('{"a":"x","b":[1],"n":2}');
    const v = await verifyAudit(ctx().store.db);
    expect(v).toEqual({ ok: true, entries: 2, head: second.hash });
  });

  it('keeps one chain when many transactions append at once', async () => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => append(i)));
    const v = await verifyAudit(ctx().store.db, 7);
    expect(v.ok).toBe(true);
    expect(v.entries).toBe(20);
  });

  it('names the first entry whose contents were changed', async () => {
    for (let i = 0; i < 5; i++) await append(i);
    const rows = await listAudit(ctx().store.db);
    const third = rows[2]!;
    await sql`update audit_log set actor = ${'mallory'} where id = ${third.id}`.execute(ctx().store.db);
    expect(await verifyAudit(ctx().store.db)).toEqual({
      ok: false,
      entries: 2,
      brokenAt: third.id,
      reason: 'its contents do not match its hash',
    });
  });

  it('notices an entry removed from the middle', async () => {
    for (let i = 0; i < 4; i++) await append(i);
    const rows = await listAudit(ctx().store.db);
    await ctx().store.db.deleteFrom('audit_log').where('id', '=', rows[1]!.id).execute();
    const v = await verifyAudit(ctx().store.db);
    expect(v).toMatchObject({
      ok: false,
      brokenAt: rows[2]!.id,
      reason: 'its link to the previous entry does not match',
    });
  });

  it('notices a rewritten entry even when its hash was recomputed, at the next entry', async () => {
    for (let i = 0; i < 3; i++) await append(i);
    const rows = await listAudit(ctx().store.db);
    const forged = { ...rows[0]!, actor: 'mallory' };
    const hash = auditHash(forged.prev_hash, forged);
    await ctx()
      .store.db.updateTable('audit_log')
      .set({ actor: 'mallory', hash })
      .where('id', '=', forged.id)
      .execute();
    expect(await verifyAudit(ctx().store.db)).toMatchObject({ ok: false, brokenAt: rows[1]!.id });
  });
});
