/**
 * Ingest: the events of one request, in the caller's transaction, each one normalised, placed in
 * the estate (resource and site by label matching), deduplicated against its alert, grouped into
 * an incident (or suppressed by a maintenance window), stored, and queued for the rules. The
 * request is answered 2xx only once this transaction committed.
 */
import type { Resource } from '../core/estate/index.ts';
import {
  decideDedup,
  decideGrouping,
  raisedSeverity,
  refKey,
  resourceCandidates,
  shouldAutoResolve,
  siteOf,
  type AlertState,
  type DedupKind,
  type EventInput,
  type GroupingDecision,
  type NormalizedEvent,
  type TopologyHit,
} from '../core/events/index.ts';
import { enqueueRuleEvaluation } from '../rules/index.ts';
import type { Tx } from '../store/index.ts';
import { firingAlertCount, lockAlerts, saveAlert } from './alerts-store.ts';
import { dependencyDistances, openIncidentsOn, resolveResources } from './estate-lookup.ts';
import { insertEvent, type EventOutcome, type StoredEvent } from './events-store.ts';
import { insertTimeline, lockIncident, openIncidentsByKey, updateIncident } from './incident-store.ts';
import {
  acknowledgeIncident,
  openIncident,
  resolveIncident,
  siteKey,
  type IncidentDeps,
} from './incidents.ts';
import { coveringWindowOf, windowsInEffect, type StoredWindow } from './maintenance-store.ts';
import type { EventSource } from './sources.ts';

export interface IngestDeps extends IncidentDeps {
  /** Whether incidents resolve when all their alerts do, for sources that do not say. */
  autoResolveDefault: boolean;
}

/** What became of one event, as the ingest routes answer it. */
export interface IngestedEvent {
  id: string;
  fingerprint: string;
  status: NormalizedEvent['status'];
  outcome: EventOutcome;
  incidentId: string | null;
  resource: string | null;
  site: string | null;
  suppressedBy: string | null;
}

const groupKeyOf = (source: string, key: string) => `group:${source}|${key}`;

/** Ingest `inputs` from `source`; all or nothing, with the caller's transaction. */
export async function ingestEvents(
  tx: Tx,
  deps: IngestDeps,
  source: EventSource,
  inputs: readonly EventInput[],
): Promise<IngestedEvent[]> {
  const now = deps.clock();
  let windows: StoredWindow[] | undefined;
  // What a request's alerts need from the store, read once for all of them.
  const resources = await resolveResources(
    tx.db,
    inputs.map((i) => resourceCandidates(i.labels)),
  );
  const alerts = await lockAlerts(
    tx,
    inputs.map((i) => i.fingerprint),
  );
  const ctx: RequestContext = {
    windows: async () => (windows ??= await windowsInEffect(tx.db, now)),
    alerts,
  };
  const out: IngestedEvent[] = [];
  for (const [i, input] of inputs.entries())
    out.push(await ingestOne(tx, deps, source, input, resources[i]?.resource ?? null, now, ctx));
  return out;
}

/** Read once per request: the maintenance windows in effect, and the alerts (kept up to date). */
interface RequestContext {
  windows: () => Promise<StoredWindow[]>;
  alerts: Map<string, AlertState>;
}

interface Placed {
  event: NormalizedEvent;
  resource: Resource | null;
}

function place(
  deps: IngestDeps,
  source: EventSource,
  input: EventInput,
  resource: Resource | null,
  now: number,
): Placed {
  return {
    resource,
    event: {
      id: deps.newId(),
      source: source.name,
      sourceKind: source.kind,
      fingerprint: input.fingerprint,
      status: input.status,
      severity: input.severity,
      summary: input.summary,
      description: input.description,
      labels: input.labels,
      annotations: input.annotations,
      resource: resource === null ? null : { kind: resource.kind, name: resource.name },
      site: siteOf(input.labels, resource?.site ?? null),
      groupKey: input.groupKey,
      startsAt: input.startsAt ?? now,
      endsAt: input.endsAt,
      receivedAt: now,
      generatorUrl: input.generatorUrl,
    },
  };
}

/** The incident the alert is in, when that incident is still open. */
async function openIncidentOf(tx: Tx, alert: AlertState | undefined): Promise<string | null> {
  if (alert?.incidentId == null) return null;
  const row = await tx.db
    .selectFrom('incidents')
    .select('status')
    .where('id', '=', alert.incidentId)
    .executeTakeFirst();
  return row && row.status !== 'resolved' ? alert.incidentId : null;
}

async function topologyOf(tx: Tx, resource: Resource | null): Promise<TopologyHit[]> {
  if (resource === null) return [];
  const distances = await dependencyDistances(tx.db, resource);
  const open = await openIncidentsOn(tx.db, [...distances.keys()]);
  return open.map((o) => ({ ...o, distance: distances.get(o.resource) ?? 0 }));
}

/** Facts are gathered in the order the grouping rules apply: a site incident makes the rest moot. */
async function decide(
  tx: Tx,
  p: Placed,
  dedup: DedupKind,
  current: string | null,
  now: number,
  ctx: RequestContext,
): Promise<GroupingDecision> {
  const grouping = (dedup === 'new' || dedup === 'refire' || dedup === 'repeat') && current === null;
  if (!grouping)
    return decideGrouping({
      dedup,
      hasResource: false,
      currentIncident: current,
      siteIncident: null,
      groupIncident: null,
      topology: [],
      maintenance: null,
    });
  const e = p.event;
  const window = await coveringWindowOf(
    tx.db,
    await ctx.windows(),
    { site: e.site, labels: e.labels, resource: p.resource },
    now,
  );
  const site = e.site === null ? null : siteKey(e.site);
  const group = e.groupKey === null ? null : groupKeyOf(e.source, e.groupKey);
  const open = await openIncidentsByKey(tx.db, [site, group]);
  const siteIncident = site === null ? null : (open.get(site) ?? null);
  const groupIncident = siteIncident !== null || group === null ? null : (open.get(group) ?? null);
  const topology = siteIncident !== null || groupIncident !== null ? [] : await topologyOf(tx, p.resource);
  return decideGrouping({
    dedup,
    hasResource: e.resource !== null,
    currentIncident: null,
    siteIncident,
    groupIncident,
    topology,
    maintenance: window?.id ?? null,
  });
}

function describeJoin(d: Extract<GroupingDecision, { action: 'join' }>, e: NormalizedEvent): string {
  const what = `alert ${e.summary} (${e.fingerprint})`;
  switch (d.reason) {
    case 'site':
      return `${what} joined: its site ${e.site ?? ''} is cut off`;
    case 'group':
      return `${what} joined: same alert group`;
    case 'topology':
      return d.via && d.via.distance > 0
        ? `${what} joined: ${e.resource ? refKey(e.resource) : 'its resource'} depends on ${d.via.resource}`
        : `${what} joined: same resource ${d.via?.resource ?? ''}`;
  }
}

async function ingestOne(
  tx: Tx,
  deps: IngestDeps,
  source: EventSource,
  input: EventInput,
  resource: Resource | null,
  now: number,
  ctx: RequestContext,
): Promise<IngestedEvent> {
  const p = place(deps, source, input, resource, now);
  const e = p.event;
  const existing = ctx.alerts.get(e.fingerprint);
  const dedup = decideDedup(existing, {
    ...e,
    resource: e.resource === null ? null : refKey(e.resource),
    startsAt: input.startsAt,
  });
  // Acknowledge and resolve carry no severity or summary of their own (PagerDuty): keep the alert's.
  const alert: AlertState =
    existing && input.status !== 'firing'
      ? { ...dedup.next, severity: existing.severity, summary: existing.summary, labels: existing.labels }
      : dedup.next;
  // Written once per event; a second event of the same alert in the request sees it.
  const save = async (a: AlertState) => {
    await saveAlert(tx, a, existing === undefined);
    ctx.alerts.set(a.fingerprint, a);
  };
  const current = await openIncidentOf(tx, existing);
  const decision = await decide(tx, p, dedup.kind, current, now, ctx);

  let outcome: EventOutcome = 'ignored';
  let incidentId: string | null = null;
  let suppressedBy: string | null = null;
  const actor = `source:${source.name}`;
  switch (decision.action) {
    case 'open': {
      const incident = await openIncident(tx, deps, {
        title: e.summary,
        severity: e.severity,
        site: e.site,
        resource: e.resource,
        grouping: decision.grouping,
        labels: e.labels,
        source: source.name,
        groupKey: e.groupKey,
        openKey: e.groupKey === null ? null : groupKeyOf(source.name, e.groupKey),
        autoResolve: source.autoResolve ?? deps.autoResolveDefault,
        event: e,
        actor,
        message: `opened by alert ${e.summary} (${e.fingerprint}) from ${source.name}`,
      });
      incidentId = incident.id;
      outcome = 'opened';
      await save({ ...alert, incidentId, suppressedBy: null });
      break;
    }
    case 'join': {
      incidentId = decision.incidentId;
      const incident = await lockIncident(tx, incidentId);
      const severity = raisedSeverity(incident.severity, e.severity);
      if (severity !== incident.severity) await updateIncident(tx, incidentId, { severity }, now);
      await insertTimeline(
        tx,
        incidentId,
        {
          type: 'alert.joined',
          message: describeJoin(decision, e),
          actor,
          eventId: e.id,
          data: {
            fingerprint: e.fingerprint,
            reason: decision.reason,
            resource: e.resource,
            severity: e.severity,
          },
        },
        now,
      );
      outcome = 'joined';
      await save({ ...alert, incidentId, suppressedBy: null });
      break;
    }
    case 'suppress': {
      suppressedBy = decision.windowId;
      outcome = 'suppressed';
      if (decision.wouldJoin !== null)
        await insertTimeline(
          tx,
          decision.wouldJoin,
          {
            type: 'alert.suppressed',
            message: `alert ${e.summary} (${e.fingerprint}) suppressed by maintenance window ${decision.windowId}`,
            actor,
            eventId: e.id,
            data: { fingerprint: e.fingerprint, window: decision.windowId },
          },
          now,
        );
      await save({ ...alert, incidentId: null, suppressedBy });
      break;
    }
    case 'update': {
      incidentId = decision.incidentId;
      await save(alert);
      outcome = await settle(tx, deps, dedup.kind, incidentId, e, actor, now);
      break;
    }
  }

  const stored: StoredEvent = { ...e, details: input.details, outcome, incidentId, suppressedBy };
  await insertEvent(tx, stored);
  await enqueueRuleEvaluation(tx, { eventId: e.id, incidentId });
  return {
    id: e.id,
    fingerprint: e.fingerprint,
    status: e.status,
    outcome,
    incidentId,
    resource: e.resource === null ? null : refKey(e.resource),
    site: e.site,
    suppressedBy,
  };
}

/** A repeat, resolution or acknowledgement of an alert: what it does to the alert's incident. */
async function settle(
  tx: Tx,
  deps: IngestDeps,
  kind: DedupKind,
  incidentId: string | null,
  e: NormalizedEvent,
  actor: string,
  now: number,
): Promise<EventOutcome> {
  switch (kind) {
    case 'new':
    case 'repeat':
      return incidentId === null ? 'ignored' : 'updated';
    case 'refire':
      if (incidentId === null) return 'ignored';
      await insertTimeline(
        tx,
        incidentId,
        {
          type: 'alert.refired',
          message: `alert ${e.summary} (${e.fingerprint}) fires again`,
          actor,
          eventId: e.id,
          data: { fingerprint: e.fingerprint },
        },
        now,
      );
      return 'updated';
    case 'acknowledge': {
      if (incidentId === null) return 'acknowledged';
      const incident = await lockIncident(tx, incidentId);
      if (incident.status === 'triggered') await acknowledgeIncident(tx, deps, incidentId, actor);
      return 'acknowledged';
    }
    case 'resolve': {
      if (incidentId === null) return 'resolved';
      await insertTimeline(
        tx,
        incidentId,
        {
          type: 'alert.resolved',
          message: `alert ${e.summary} (${e.fingerprint}) resolved`,
          actor,
          eventId: e.id,
          data: { fingerprint: e.fingerprint },
        },
        now,
      );
      const incident = await lockIncident(tx, incidentId);
      if (shouldAutoResolve(incident, await firingAlertCount(tx.db, incidentId)))
        await resolveIncident(tx, deps, incidentId, 'system', 'all its alerts resolved');
      return 'resolved';
    }
    case 'already_resolved':
    case 'stale':
      return 'ignored';
  }
}
