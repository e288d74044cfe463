/**
 * Routing an incident as it opens: the first routing rule that matches gives it a team and an
 * escalation policy. Called by the events engine in the transaction that opens the incident, so
 * an incident is routed exactly when it was stored; the first notification follows from the
 * escalation loop as soon as that transaction commits.
 */
import type { IncidentSummary, NormalizedEvent } from '../core/events/index.ts';
import { appendTimeline, setIncidentTeam } from '../events/index.ts';
import { routeBy, routingContext } from '../core/oncall/index.ts';
import type { Tx } from '../store/index.ts';
import { startEscalation } from './escalations.ts';
import { findPolicy, listRoutingRules } from './policies.ts';

export interface RouteResult {
  /** The rule that matched, or null (the incident keeps no team and escalates nowhere). */
  rule: string | null;
  team: string | null;
  /** The escalation policy started, or null. */
  policy: string | null;
  /** Rules whose condition could not be evaluated, with why (they did not match). */
  errors: { rule: string; error: string }[];
}

/**
 * Route `incident` (with its labels, and the event that opened it when there is one): set its
 * team (the `team` column of `incidents`) and start its escalation policy.
 */
export async function routeIncident(
  tx: Tx,
  incident: IncidentSummary & { labels?: Record<string, string> },
  o: { event?: NormalizedEvent | null; now?: number } = {},
): Promise<RouteResult> {
  const now = o.now ?? Date.now();
  const rules = await listRoutingRules(tx.db);
  if (rules.length === 0) return { rule: null, team: null, policy: null, errors: [] };
  // The incident's own labels (those of the event that opened it; `site` for a site incident).
  const labels =
    incident.labels ??
    (JSON.parse(
      (await tx.db.selectFrom('incidents').select('labels').where('id', '=', incident.id).executeTakeFirst())
        ?.labels ?? '{}',
    ) as Record<string, string>);
  const answer = routeBy(rules, routingContext({ ...incident, labels }, o.event));
  const rule = answer.rule;
  if (!rule) return { rule: null, team: null, policy: null, errors: answer.errors };
  const team = rule.team ?? null;
  if (team !== null) await setIncidentTeam(tx, incident.id, team, now);
  let policy: string | null = null;
  if (rule.escalation_policy !== undefined && (await findPolicy(tx.db, rule.escalation_policy))) {
    policy = rule.escalation_policy;
    await startEscalation(tx, incident.id, policy, now);
  }
  const what = [
    team === null ? null : `team ${team}`,
    policy === null ? null : `escalation policy ${policy}`,
  ];
  await appendTimeline(tx, incident.id, {
    type: 'incident.routed',
    message: `routed by rule ${rule.name}: ${what.filter((w) => w !== null).join(', ') || 'nothing to set'}`,
    actor: 'on-call',
    data: { rule: rule.name, team, policy },
    at: now,
  });
  return { rule: rule.name, team, policy, errors: answer.errors };
}
