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
