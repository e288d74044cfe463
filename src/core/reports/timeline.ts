/** One sentence per run event, saying what happened and who did it. */
import type { ReportEvent } from './model.ts';

const str = (v: unknown): string | null =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : null;

/** `1.5 s`, `2 min 3 s`, `450 ms`: a duration for people. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** The sentence for one event; unknown types still say their type and step. */
export function describeEvent(e: ReportEvent): string {
  const d = e.data ?? {};
  const step = e.stepKey ?? '?';
  const who = e.actor ?? 'someone';
  const error = str(d.error);
  const because = (text: string | null) => (text ? `: ${text}` : '');
  switch (e.type) {
    case 'run.created':
      return `run created by ${e.actor ?? 'the system'} (runbook ${str(d.runbook) ?? '?'} version ${str(d.version) ?? '?'})`;
    case 'run.started':
      return 'run started';
    case 'run.finished':
      return `run ${str(d.status) ?? 'finished'}${because(error)}`;
    case 'run.phase': {
      const outcome = str(d.outcome);
      return `run entered phase ${str(d.phase) ?? '?'}${outcome ? ` (main graph ${outcome})` : ''}`;
    }
    case 'run.paused':
      return `run paused by ${who}`;
    case 'run.resumed':
      return `run resumed by ${who}`;
    case 'run.cancel_requested':
      return `cancel requested by ${who}${d.compensate === true ? ' (with compensation)' : ''}${because(str(d.reason))}`;
    case 'run.retried':
      return `run retried from the failed step by ${who}`;
    case 'run.timed_out':
      return 'run timed out';
    case 'step.started': {
      const child = str(d.child_run_id);
      if (child) return `step ${step} started child run ${child}`;
      const agent = str(d.agent);
      const site = str(d.site);
      const where = agent ? ` on ${agent}${site ? ` at site ${site}` : ''}` : '';
      return `step ${step} started (attempt ${e.attempt ?? 1})${where}`;
    }
    case 'step.succeeded':
      return `step ${step} succeeded`;
    case 'step.failed':
      return `step ${step} failed${because(error)}`;
    case 'step.attempt_failed':
      return `attempt ${e.attempt ?? '?'} of step ${step} failed${because(error)}`;
    case 'step.retrying': {
      const delay = typeof d.delay_ms === 'number' ? ` in ${formatMs(d.delay_ms)}` : '';
      return `step ${step} will try again${delay}${because(error)}`;
    }
    case 'step.skipped':
      return `step ${step} skipped${str(d.if) ? ` (if: ${str(d.if)})` : ''}`;
    case 'step.waiting':
      return `step ${step} waits for concurrency key ${str(d.concurrency_key) ?? '?'}`;
    case 'step.expanded':
      return `step ${step} expanded into ${str(d.items) ?? '?'} items`;
    case 'step.cancelled':
      return `step ${step} cancelled${because(str(d.reason))}`;
    case 'step.timed_out':
      return `step ${step} timed out (attempt ${e.attempt ?? '?'})`;
    case 'step.log':
      return `${step}: ${str(d.message) ?? ''}`;
    case 'step.compensated':
      return `step ${step} compensated`;
    case 'compensation.started':
      return `compensation ${step} started`;
    case 'compensation.failed':
      return `compensation ${step} failed${because(error)}`;
    case 'concurrency.granted':
      return e.stepKey ? `step ${step} got its concurrency key` : 'run got its concurrency key';
    case 'lease.expired':
      return `lease of step ${step} (attempt ${e.attempt ?? '?'}) expired${str(d.agent) ? ` on agent ${str(d.agent)}` : ''}`;
    case 'task.created': {
      const kind = d.kind === 'approval' ? 'approval' : 'task';
      const text = str(d.message) ?? str(d.title);
      return `${kind} ${step} opened${because(text)}`;
    }
    case 'task.decided': {
      const verb =
        d.decision === 'approve' ? 'approved' : d.decision === 'reject' ? 'rejected' : str(d.decision);
      const comment = str(d.comment);
      return `${who} ${verb ?? 'decided'} ${step}${comment ? `: “${comment}”` : ''}`;
    }
    case 'task.completed':
      return `${who} completed task ${step}`;
    case 'task.claimed':
      return `${who} claimed task ${step}`;
    case 'task.released':
      return `${who} released task ${step}`;
    case 'task.assigned':
      return `${who} reassigned task ${step}`;
    case 'approval.timed_out':
      return `approval ${step} timed out (${str(d.on_timeout) ?? 'reject'})`;
    case 'task.timed_out':
      return `task ${step} timed out`;
    case 'task.escalated':
      return `task ${step} escalated`;
    case 'comment.added':
      return `${who} commented`;
    default:
      return `${e.type}${e.stepKey ? ` ${e.stepKey}` : ''}${e.actor ? ` by ${e.actor}` : ''}`;
  }
}
