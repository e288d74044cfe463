/** People and incidents for on-call store tests, written straight into a test store. */
import type { IncidentSummary, Severity } from '../../src/core/events/index.ts';
import { addTeamMember, insertTeam, insertUser, uuidv7, type Store } from '../../src/store/index.ts';

export async function people(
  store: Store,
  users: string[],
  teams: Record<string, string[]> = {},
): Promise<void> {
  const ids = new Map<string, string>();
  for (const username of users) {
    const row = await insertUser(store.db, {
      id: uuidv7(),
      username,
      displayName: null,
      email: `${username}@example.test`,
      passwordHash: null,
      source: 'local',
      oidcSubject: null,
      now: 0,
    });
    ids.set(username, row.id);
  }
  for (const [name, members] of Object.entries(teams)) {
    const team = await insertTeam(store.db, {
      id: uuidv7(),
      name,
      description: null,
      oidcGroup: null,
      now: 0,
    });
    for (const m of members) await addTeamMember(store.db, team.id, ids.get(m)!, 0);
  }
}

/** Open an incident row as the events engine would (the fields on-call reads). */
export async function openIncident(
  store: Store,
  o: {
    title: string;
    severity?: Severity;
    labels?: Record<string, string>;
    site?: string | null;
    now: number;
  },
): Promise<IncidentSummary & { labels: Record<string, string> }> {
  const id = uuidv7();
  const labels = o.labels ?? {};
  await store.db
    .insertInto('incidents')
    .values({
      id,
      status: 'triggered',
      severity: o.severity ?? 'critical',
      title: o.title,
      site: o.site ?? null,
      resource: null,
      team: null,
      assignee: null,
      grouping: 'fingerprint',
      labels: JSON.stringify(labels),
      source: null,
      group_key: null,
      open_key: null,
      auto_resolve: 1,
      opened_at: o.now,
      acknowledged_at: null,
      acknowledged_by: null,
      resolved_at: null,
      resolved_by: null,
      updated_at: o.now,
    })
    .execute();
  return {
    id,
    status: 'triggered',
    severity: o.severity ?? 'critical',
    title: o.title,
    site: o.site ?? null,
    resource: null,
    team: null,
    grouping: 'fingerprint',
    openedAt: o.now,
    resolvedAt: null,
    labels,
  };
}

export async function timeline(
  store: Store,
  incidentId: string,
): Promise<{ type: string; message: string; data: unknown }[]> {
  const rows = await store.db
    .selectFrom('incident_timeline')
    .select(['type', 'message', 'data'])
    .where('incident_id', '=', incidentId)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ type: r.type, message: r.message, data: JSON.parse(r.data) as unknown }));
}
