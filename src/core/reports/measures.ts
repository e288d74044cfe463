/**
 * RTO and RPO where a run measured them: outputs named `rto_ms`, `rpo_transactions` and
 * `report` (as `runbooks/catalog/dr-drill.yaml` writes them), on the run itself or else on the
 * first step (in runbook order) that has any of them.
 */
import type { Measurements, ReportRun, ReportStep } from './model.ts';

export const MEASUREMENT_OUTPUTS = ['rto_ms', 'rpo_transactions', 'report'] as const;

/** A number from an output (outputs are strings); null when absent or not a number. */
function numberOf(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v !== 'string' || v.trim() === '') return null;
  const n = Number(v.trim());
  return Number.isFinite(n) ? n : null;
}

function from(outputs: Record<string, unknown> | null, source: string): Measurements | null {
  if (!outputs || !MEASUREMENT_OUTPUTS.some((k) => outputs[k] !== undefined && outputs[k] !== null))
    return null;
  const report = outputs.report;
  const m: Measurements = {
    rto_ms: numberOf(outputs.rto_ms),
    rpo_transactions: numberOf(outputs.rpo_transactions),
    report: typeof report === 'string' && report.trim() !== '' ? report : null,
    source,
  };
  return m.rto_ms === null && m.rpo_transactions === null && m.report === null ? null : m;
}

export function findMeasurements(run: ReportRun, steps: readonly ReportStep[]): Measurements | null {
  const own = from(run.outputs, 'run outputs');
  if (own) return own;
  for (const s of steps) {
    if (s.status !== 'succeeded') continue;
    const m = from(s.outputs, `step ${s.key}`);
    if (m) return m;
  }
  return null;
}
