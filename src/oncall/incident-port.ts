/**
 * What on-call needs of incidents (owned by the events engine): read one, set its team, add to its
 * timeline. The escalation and routing code take it as a dependency, so it is written against
 * this narrow contract and bound to the events engine in one place (`incidents.ts`).
 */
import type { IncidentSummary } from '../core/events/index.ts';
import type { Tx } from '../store/index.ts';

/** An entry of an incident's timeline, as on-call writes them. */
export interface OncallTimelineEntry {
  /** `escalation.notified`, `escalation.exhausted`, `escalation.stopped`, `incident.routed`. */
  type: string;
  message: string;
  data?: Record<string, unknown>;
}

export interface IncidentPort {
  /** The incident as it stands in `tx`, or undefined when there is none with that id. */
  find(tx: Tx, id: string): Promise<IncidentSummary | undefined>;
  setTeam(tx: Tx, id: string, team: string): Promise<void>;
  appendTimeline(tx: Tx, id: string, entry: OncallTimelineEntry, now: number): Promise<void>;
}
