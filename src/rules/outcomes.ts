/**
 * When a run a rule started finishes, its outcome goes on the incident's timeline, once: the
 * firing's `reported_at` is set by a conditional update, so of several replicas one writes it.
 */
import { finishedUnreported, markReported } from './firings.ts';
import type { RuleWorkerDeps } from './evaluate-event.ts';

const BATCH = 100;

/** Report up to one batch of finished runs; returns how many were found. */
export async function reportFinishedRuns(deps: RuleWorkerDeps): Promise<number> {
  const finished = await finishedUnreported(deps.store.db, BATCH);
  for (const f of finished) {
    await deps.store.transaction(async (tx) => {
      const now = deps.clock();
      if (!(await markReported(tx.db, { id: f.id, status: f.status, finishedAt: f.finishedAt, now }))) return;
      if (f.incidentId === null) return;
      await deps.incidents.appendTimeline(tx, f.incidentId, {
        kind: 'rule.run_finished',
        message: `Run ${f.runId} of ${f.runbook} (rule ${f.rule}) ${f.status}${f.error ? `: ${f.error}` : ''}`,
        rule: f.rule,
        runId: f.runId,
        data: { status: f.status, error: f.error },
        at: now,
      });
    });
  }
  return finished.length;
}
