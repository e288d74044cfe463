/** A run's report as data: pure, from what the store recorded of the run. */
import { logSummary } from './logs.ts';
import { MASK, maskDeep, maskerOf, type Mask } from './mask.ts';
import { findMeasurements } from './measures.ts';
import type {
  DecisionEntry,
  ReportStep,
  RunReport,
  RunReportInput,
  StepEntry,
  TimelineEntry,
} from './model.ts';
import { describeEvent } from './timeline.ts';

/** Events a report lists; a run past this (a foreach of thousands) says how many it left out. */
export const MAX_TIMELINE = 1000;

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));
const span = (from: number | null, to: number | null) => (from === null || to === null ? null : to - from);

/** The values of the run's secret inputs, to mask wherever they show. */
function secretMask(input: RunReportInput): Mask {
  return maskerOf(input.secretInputs.map((name) => input.run.inputs[name]));
}

function stepEntry(s: ReportStep, input: RunReportInput, mask: Mask): StepEntry {
  const tail = input.logs.find((l) => l.key === s.key);
  return {
    id: s.key,
    phase: s.phase,
    status: s.status,
    attempt: s.attempt,
    agent: s.agent,
    site: s.site,
    started_at: isoOrNull(s.startedAt),
    finished_at: isoOrNull(s.finishedAt),
    duration_ms: span(s.startedAt, s.finishedAt),
    error: s.error === null ? null : mask(s.error),
    exit_code: s.exitCode,
    child_run_id: s.childRunId,
    logs: tail ? logSummary(tail, mask) : null,
  };
}

function timeline(input: RunReportInput, mask: Mask): TimelineEntry[] {
  return input.events.slice(0, MAX_TIMELINE).map((e) => ({
    at: iso(e.at),
    offset_ms: e.at - input.run.createdAt,
    type: e.type,
    step: e.stepKey,
    attempt: e.attempt,
    actor: e.actor,
    text: mask(describeEvent(e)),
  }));
}

function decisions(input: RunReportInput, mask: Mask): DecisionEntry[] {
  const out: DecisionEntry[] = [];
  for (const t of input.tasks)
    for (const d of t.decisions)
      out.push({
        task_id: t.id,
        step: t.stepKey,
        kind: t.kind,
        title: t.title === null ? null : mask(t.title),
        decision: d.decision,
        actor: d.actor,
        at: iso(d.at),
        comment: d.comment === null ? null : mask(d.comment),
        ...(d.outputs === null || d.outputs === undefined ? {} : { outputs: maskDeep(d.outputs, mask) }),
      });
  return out.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
}

export function buildRunReport(input: RunReportInput): RunReport {
  const { run } = input;
  const mask = secretMask(input);
  const secret = new Set(input.secretInputs);
  const inputs = Object.fromEntries(
    Object.entries(run.inputs).map(([k, v]) => [k, secret.has(k) ? MASK : maskDeep(v, mask)]),
  );
  const measurements = findMeasurements(run, input.steps);
  return {
    format: 'tandem.run-report/v1',
    generated_at: iso(input.generatedAt),
    run: {
      id: run.id,
      runbook: run.runbook,
      version: run.version,
      title: run.title,
      status: run.status,
      error: run.error === null ? null : mask(run.error),
      started_by: run.createdBy,
      created_at: iso(run.createdAt),
      started_at: isoOrNull(run.startedAt),
      finished_at: isoOrNull(run.finishedAt),
      duration_ms: span(run.startedAt ?? run.createdAt, run.finishedAt),
      parent_run_id: run.parentRunId,
    },
    inputs,
    outputs: maskDeep(run.outputs ?? {}, mask) as Record<string, unknown>,
    measurements: measurements && {
      ...measurements,
      report: measurements.report === null ? null : mask(measurements.report),
    },
    resources: [...input.resources],
    timeline: timeline(input, mask),
    timeline_omitted:
      Math.max(0, input.eventCount, input.events.length) - Math.min(input.events.length, MAX_TIMELINE),
    decisions: decisions(input, mask),
    steps: input.steps.map((s) => stepEntry(s, input, mask)),
    comments: input.comments.map((c) => ({ author: c.author, at: iso(c.at), body: mask(c.body) })),
    related: input.related
      .filter((r) => !(r.kind === 'run' && r.refId === run.id))
      .map((r) => ({
        kind: r.kind,
        id: r.refId,
        title: r.title,
        status: r.status,
        at: iso(r.at),
        resources: r.resources,
      })),
  };
}
