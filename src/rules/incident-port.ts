/**
 * What the rule worker needs from events and incidents (src/events), in one object: load the
 * event and its incident, ask whether a maintenance window covers it, link a run to the
 * incident and write on its timeline. All inside the worker's transaction.
 */
import type { Resource } from '../core/estate/index.ts';
import type { IncidentSummary, NormalizedEvent } from '../core/events/index.ts';
import type { Tx } from '../store/index.ts';

/** A line the rules write on an incident's timeline. */
export interface RuleTimelineEntry {
  /** `rule.approval_requested`, `rule.skipped`, `rule.dry_run`, `rule.error`, `rule.run_finished`. */
  kind: string;
  message: string;
  rule: string;
  runId: string | null;
  data: Record<string, unknown>;
  at: number;
}

export interface IncidentPort {
  loadEvent(tx: Tx, eventId: string): Promise<NormalizedEvent | undefined>;
  loadIncident(tx: Tx, incidentId: string): Promise<IncidentSummary | undefined>;
  /** The maintenance window covering the event at `now`, described for the record; null if none. */
  maintenance(tx: Tx, event: NormalizedEvent, resource: Resource | null, now: number): Promise<string | null>;
  linkRun(tx: Tx, incidentId: string, runId: string, rule: string): Promise<void>;
  appendTimeline(tx: Tx, incidentId: string, entry: RuleTimelineEntry): Promise<void>;
}
