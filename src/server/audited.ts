/** A change made through the API, committed together with its audit entry. */
import type { FastifyRequest } from 'fastify';
import { appendAudit, type AuditEntry, type Store, type Tx } from '../store/index.ts';
import { callerOf } from './access.ts';

type Recorded = Pick<AuditEntry, 'action' | 'target' | 'data'>;

/**
 * Run `change` in one transaction and append what `entry` says about its result (nothing when it
 * answers null: e.g. re-applying identical text changed nothing). The caller is the actor.
 */
export async function audited<T>(
  ctx: { store: Store; clock: () => number },
  req: FastifyRequest,
  change: (tx: Tx) => Promise<T>,
  entry: (result: T) => Recorded | null,
): Promise<T> {
  const actor = callerOf(req).subject;
  return ctx.store.transaction(async (tx) => {
    const result = await change(tx);
    const e = entry(result);
    if (e) await appendAudit(tx, { ...e, actor, address: req.ip }, ctx.clock());
    return result;
  });
}
