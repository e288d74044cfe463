/** Log chunks of step attempts, kept in order. */
import type { Kysely, Transaction } from 'kysely';
import type { Store } from './store.ts';
import type { Database } from './tables.ts';

type Db = Kysely<Database> | Transaction<Database>;

export interface StepLogChunk {
  runId: string;
  key: string;
  attempt: number;
  stream: string;
  data: string;
}

export async function appendStepLogs(store: Store, chunks: StepLogChunk[], now: number): Promise<void> {
  if (chunks.length === 0) return;
  await store.transaction(async (tx) => {
    for (let i = 0; i < chunks.length; i += 1000) {
      await tx.db
        .insertInto('step_logs')
        .values(
          chunks.slice(i, i + 1000).map((c) => ({
            run_id: c.runId,
            step_key: c.key,
            attempt: c.attempt,
            stream: c.stream,
            data: c.data,
            created_at: now,
          })),
        )
        .execute();
    }
    for (const runId of new Set(chunks.map((c) => c.runId))) tx.notify('step-logs', runId);
  });
}

export async function listStepLogs(
  db: Db,
  runId: string,
  opts: { key?: string; afterId?: number; limit?: number } = {},
) {
  let q = db
    .selectFrom('step_logs')
    .selectAll()
    .where('run_id', '=', runId)
    .where('id', '>', opts.afterId ?? 0);
  if (opts.key !== undefined) q = q.where('step_key', '=', opts.key);
  return q
    .orderBy('id')
    .limit(opts.limit ?? 5000)
    .execute();
}

/**
 * Keep at most `limit` bytes of an attempt's log, dropping the oldest chunks (the tail is what
 * explains a failure) and saying at the head how much was dropped.
 */
export async function trimStepLogs(
  db: Db,
  at: { runId: string; key: string; attempt: number },
  limit: number,
): Promise<number> {
  const rows = await db
    .selectFrom('step_logs')
    .select(['id', 'data'])
    .where('run_id', '=', at.runId)
    .where('step_key', '=', at.key)
    .where('attempt', '=', at.attempt)
    .orderBy('id', 'desc')
    .execute();
  let kept = 0;
  let cut = -1;
  for (let i = 0; i < rows.length; i++) {
    kept += Buffer.byteLength(rows[i]!.data);
    if (kept > limit) {
      cut = i;
      break;
    }
  }
  if (cut < 0) return 0;
  const drop = rows.slice(cut);
  const dropped = drop.reduce((n, r) => n + Buffer.byteLength(r.data), 0);
  const previous = /^\[earlier output dropped: (\d+) bytes\]\n/.exec(rows.at(-1)!.data);
  const total = dropped + (previous ? Number(previous[1]) - previous[0].length : 0);
  await db
    .deleteFrom('step_logs')
    .where(
      'id',
      'in',
      drop.map((r) => r.id),
    )
    .execute();
  const head = rows[cut - 1];
  if (head)
    await db
      .updateTable('step_logs')
      .set({ data: `[earlier output dropped: ${total} bytes]\n${head.data}` })
      .where('id', '=', head.id)
      .execute();
  return dropped;
}
