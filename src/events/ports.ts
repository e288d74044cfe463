/**
 * Incidents as on-call sees them: its port (src/oncall/incident-port.ts) bound to this module.
 * (The rule worker's port is bound in src/rules/events-port.ts.)
 */
import type { IncidentPort as OncallIncidentPort, OncallTimelineEntry } from '../oncall/incident-port.ts';
import type { Tx } from '../store/index.ts';
import { findIncident, insertTimeline, summaryOf } from './incident-store.ts';
import { setIncidentTeam } from './incidents.ts';

/** What on-call needs of incidents. */
export const oncallIncidentPort: OncallIncidentPort = {
  async find(tx, id) {
    const i = await findIncident(tx.db, id);
    return i && summaryOf(i);
  },
  async setTeam(tx, id, team) {
    await setIncidentTeam(tx, id, team);
  },
  async appendTimeline(tx: Tx, id: string, entry: OncallTimelineEntry, now: number) {
    await insertTimeline(
      tx,
      id,
      { type: entry.type, message: entry.message, data: entry.data ?? {}, actor: 'on-call' },
      now,
    );
  },
};
