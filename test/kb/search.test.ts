/**
 * Knowledge-base search on both stores: words, phrases, exclusions, Chinese text, ranking,
 * highlighted snippets, kinds, and text that must not be read as query syntax.
 */
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { putDocument, relatedHistory, searchKb, type KbDocument } from '../../src/kb/index.ts';
import type { Store } from '../../src/store/index.ts';
import { describeEachStore } from '../support/stores.ts';

const T0 = Date.UTC(2026, 10, 3, 8, 0, 0);

function doc(o: Partial<KbDocument> & Pick<KbDocument, 'refId' | 'title' | 'body'>): KbDocument {
  return { kind: 'run', resources: [], site: null, status: 'succeeded', at: T0, sourceVersion: '1', ...o };
}

async function seed(store: Store): Promise<void> {
  const docs: KbDocument[] = [
    doc({
      refId: 'r-failover',
      title: 'Fail the database over to cloud-hangzhou',
      body: 'The standby pg-hz-1 was promoted. Writes restored after the fence.\nRTO 4.2 s, RPO 0.',
      resources: ['database/pg-sh-1', 'host/pg-sh-1'],
      site: 'cloud-hangzhou',
      at: T0,
    }),
    doc({
      refId: 'r-backup',
      title: 'Verify the nightly backup',
      body: 'Restore into a scratch instance; row counts compared. The database was restored in 40 s.',
      resources: ['database/pg-sh-1'],
      at: T0 + 1000,
    }),
    doc({
      refId: 'r-web',
      title: 'Scale out web',
      body: 'Two instances added in cloud-hangzhou behind HAProxy. 100% of checks passed; a_b_c was fine. Runs nightly.',
      resources: ['service/web-1'],
      at: T0 + 2000,
    }),
    doc({
      kind: 'incident',
      refId: 'i-cn',
      title: '主库切换失败',
      body: '上海机房主库故障，备库提升为主库后写入恢复。数据库 pg-sh-1 不可达。',
      resources: ['database/pg-sh-1'],
      site: 'idc-shanghai',
      status: 'resolved',
      at: T0 + 3000,
    }),
  ];
  for (const d of docs) await putDocument(store.db, d, T0);
}

const ids = (r: Awaited<ReturnType<typeof searchKb>>) => r.hits.map((h) => h.refId);
const both = ['run', 'incident'] as const;

describeEachStore('knowledge-base search', (ctx, kind) => {
  it('finds documents holding every word, the title match ranked first', async () => {
    const { store } = ctx();
    await seed(store);
    const r = await searchKb(store, { q: 'database restored', kinds: both, limit: 10 });
    expect(r.mode).toBe('fulltext');
    expect(ids(r).sort()).toEqual(['r-backup', 'r-failover']);
    const failover = r.hits.find((h) => h.refId === 'r-failover');
    expect(failover).toMatchObject({ kind: 'run', title: 'Fail the database over to cloud-hangzhou' });
    expect(failover!.resources).toEqual(['database/pg-sh-1', 'host/pg-sh-1']);
    // "nightly" is in the title of r-backup, in the body of r-web (which is newer).
    expect(ids(await searchKb(store, { q: 'nightly', kinds: both, limit: 10 }))).toEqual([
      'r-backup',
      'r-web',
    ]);
  });

  it('leaves out documents with an excluded word, and matches a quoted phrase only as written', async () => {
    const { store } = ctx();
    await seed(store);
    // The incident is about database/pg-sh-1: its resources count as its words.
    expect(ids(await searchKb(store, { q: 'database -backup', kinds: both, limit: 10 })).sort()).toEqual([
      'i-cn',
      'r-failover',
    ]);
    expect(ids(await searchKb(store, { q: '"row counts compared"', kinds: both, limit: 10 }))).toEqual([
      'r-backup',
    ]);
    expect(ids(await searchKb(store, { q: '"counts row compared"', kinds: both, limit: 10 }))).toEqual([]);
  });

  it('finds Chinese text by a word inside a sentence, two characters or more', async () => {
    const { store } = ctx();
    await seed(store);
    const long = await searchKb(store, { q: '切换失败', kinds: both, limit: 10 });
    expect(ids(long)).toEqual(['i-cn']);
    expect(long.mode).toBe(kind === 'sqlite' ? 'fulltext' : 'substring');
    // Two characters: shorter than a trigram, found by substring on both stores.
    const short = await searchKb(store, { q: '故障', kinds: both, limit: 10 });
    expect(ids(short)).toEqual(['i-cn']);
    expect(short.hits[0]!.snippet.text).toContain('上海机房主库故障');
    const [start, end] = short.hits[0]!.snippet.highlights[0]!;
    expect(short.hits[0]!.snippet.text.slice(start, end)).toBe('故障');
    // Mixed with a Latin word, and excluded.
    expect(ids(await searchKb(store, { q: '写入恢复 pg-sh-1', kinds: both, limit: 10 }))).toEqual(['i-cn']);
    expect(ids(await searchKb(store, { q: 'pg-sh-1 -主库', kinds: ['incident'], limit: 10 }))).toEqual([]);
  });

  it('finds a resource by its name and highlights the words in the snippet', async () => {
    const { store } = ctx();
    await seed(store);
    const r = await searchKb(store, { q: 'pg-sh-1', kinds: ['run'], limit: 10 });
    expect(ids(r).sort()).toEqual(['r-backup', 'r-failover']);
    const promoted = await searchKb(store, { q: 'promoted', kinds: both, limit: 10 });
    const s = promoted.hits[0]!.snippet;
    expect(s.highlights.length).toBeGreaterThan(0);
    expect(s.highlights.map(([a, b]) => s.text.slice(a, b).toLowerCase())).toContain('promoted');
    expect(s.text).not.toContain('\u0002');
    expect(s.text).not.toContain('\u0003');
  });

  it('searches only the kinds asked for, and limits the hits', async () => {
    const { store } = ctx();
    await seed(store);
    expect(ids(await searchKb(store, { q: 'pg-sh-1', kinds: ['incident'], limit: 10 }))).toEqual(['i-cn']);
    expect(await searchKb(store, { q: 'pg-sh-1', kinds: both, limit: 2 })).toMatchObject({
      hits: [{}, {}],
    });
    expect(ids(await searchKb(store, { q: 'database', kinds: [], limit: 10 }))).toEqual([]);
  });

  it('reads query syntax of the stores as plain text', async () => {
    const { store } = ctx();
    await seed(store);
    // LIKE wildcards and FTS5/tsquery operators are characters to find, not syntax.
    expect(ids(await searchKb(store, { q: '100%', kinds: both, limit: 10 }))).toEqual(['r-web']);
    expect(ids(await searchKb(store, { q: 'a_b_c', kinds: both, limit: 10 }))).toEqual(['r-web']);
    expect(ids(await searchKb(store, { q: '%', kinds: both, limit: 10 }))).toEqual(['r-web']);
    for (const q of [
      'NEAR(a b)',
      'title:web*',
      '"unclosed',
      'a OR',
      '(((',
      '-',
      '""',
      'x & y | !z',
      "o'clock",
    ])
      await expect(searchKb(store, { q, kinds: both, limit: 10 })).resolves.toMatchObject({
        hits: expect.any(Array),
      });
    expect(ids(await searchKb(store, { q: 'web OR nothing-like-this', kinds: both, limit: 10 }))).toEqual([]);
  });

  it('rewrites a document in place when it is indexed again', async () => {
    const { store } = ctx();
    await seed(store);
    await putDocument(
      store.db,
      doc({
        refId: 'r-web',
        title: 'Scale in web',
        body: 'Instances removed.',
        resources: ['service/web-2'],
      }),
      T0 + 5000,
    );
    expect(ids(await searchKb(store, { q: 'HAProxy', kinds: both, limit: 10 }))).toEqual([]);
    expect(ids(await searchKb(store, { q: 'removed', kinds: both, limit: 10 }))).toEqual(['r-web']);
    const rows = await store.db
      .selectFrom('kb_documents')
      .select('ref_id')
      .where('ref_id', '=', 'r-web')
      .execute();
    expect(rows).toHaveLength(1);
    expect(await relatedHistory(store.db, ['service/web-1'])).toEqual([]);
    expect(await relatedHistory(store.db, ['service/web-2'])).toMatchObject([{ refId: 'r-web' }]);
  });

  it('lists related history newest first, with the shared resources, leaving out the document asked about', async () => {
    const { store } = ctx();
    await seed(store);
    const related = await relatedHistory(store.db, ['database/pg-sh-1', 'host/pg-sh-1'], {
      exclude: { kind: 'run', refId: 'r-backup' },
    });
    expect(related.map((r) => [r.kind, r.refId, r.resources])).toEqual([
      ['incident', 'i-cn', ['database/pg-sh-1']],
      ['run', 'r-failover', ['database/pg-sh-1', 'host/pg-sh-1']],
    ]);
    expect(
      (await relatedHistory(store.db, ['database/pg-sh-1'], { before: T0 + 1000 })).map((r) => r.refId),
    ).toEqual(['r-failover']);
    expect(
      (await relatedHistory(store.db, ['database/pg-sh-1'], { kinds: ['incident'] })).map((r) => r.refId),
    ).toEqual(['i-cn']);
  });

  if (kind === 'postgres')
    it('uses the GIN index for full-text queries', async () => {
      const { store } = ctx();
      await seed(store);
      const plan = await store.transaction(async (tx) => {
        await sql`set local enable_seqscan = off`.execute(tx.db);
        const { rows } = await sql<{ 'QUERY PLAN': string }>`
          explain select id from kb_documents where search @@ websearch_to_tsquery('english', '"restored"')`.execute(
          tx.db,
        );
        return rows.map((r) => r['QUERY PLAN']).join('\n');
      });
      expect(plan).toContain('kb_documents_search_idx');
    });

  if (kind === 'postgres')
    it('stems English words: a search for "restore" finds "restored", and the snippet marks it', async () => {
      const { store } = ctx();
      await seed(store);
      const r = await searchKb(store, { q: 'restores', kinds: both, limit: 10 });
      expect(ids(r).sort()).toEqual(['r-backup', 'r-failover']);
      const s = r.hits[0]!.snippet;
      expect(s.highlights.map(([a, b]) => s.text.slice(a, b))).toContain('restored');
    });
});
