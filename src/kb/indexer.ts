/**
 * The knowledge-base indexer: writes the report of every finished run, and every incident whose
 * timeline or state changed, into `kb_documents`. It works beside the engine, not in it: a run's
 * finishing costs the engine nothing more, and the report shows up in search within a poll.
 *
 * Multi-replica safe: each document is written whole by an upsert on (kind, ref id), so two
 * replicas indexing the same run at once write the same row twice, one after the other.
 */
import { sql } from 'kysely';
import { errorMessage } from '../core/errors.ts';
import { buildRunReport, incidentDocument, runReportMarkdown } from '../core/reports/index.ts';
import type { Logger } from '../engine/deps.ts';
import type { Database, DialectAdapter, Store } from '../store/index.ts';
import type { Kysely, Transaction } from 'kysely';
import { putDocument, type KbDocument } from './documents.ts';
import { loadRunReportInput } from './run-data.ts';

type Db = Kysely<Database> | Transaction<Database>;

export interface KbIndexerDeps {
  store: Store;
  clock: () => number;
  log: Logger;
}

/** Runs or incidents handled per query. */
const BATCH = 50;
/** How often finished runs are looked for: a report is searchable within about this long. */
const RUN_POLL_MS = 2_000;
/**
 * Every incident is compared with its document (one indexed look-up each) this often. Incidents
 * are far fewer than runs; past some hundred thousand, this wants a change feed instead.
 */
const INCIDENT_SWEEP_MS = 10_000;
/**
 * Runs finished this long before the last look are looked at again: a transaction may commit a
 * little after the time it wrote, and replicas' clocks differ a little.
 */
const MARGIN_MS = 10 * 60_000;

const FINISHED = ['succeeded', 'failed', 'cancelled'];

/** The document of a run: its report in markdown, without related history. */
export async function runDocument(
  db: Db,
  dialect: DialectAdapter,
  runId: string,
  now: number,
): Promise<KbDocument | undefined> {
  const input = await loadRunReportInput(db, dialect, runId, { now, related: false });
  if (!input) return undefined;
  const report = buildRunReport(input);
  const siteInput = input.run.inputs.site;
  const site =
    typeof siteInput === 'string' ? siteInput : (input.steps.find((s) => s.site !== null)?.site ?? null);
  return {
    kind: 'run',
    refId: runId,
    title: `${report.run.title ?? report.run.runbook} (${report.run.runbook} run, ${report.run.status})`,
    body: runReportMarkdown(report, { related: false }),
    resources: report.resources,
    site,
    status: report.run.status,
    at: input.run.createdAt,
    sourceVersion: String(input.run.finishedAt ?? ''),
  };
}

/** Index one run now (the report endpoint and tests use it; the worker finds runs itself). */
export async function indexRun(deps: KbIndexerDeps, runId: string): Promise<boolean> {
  const { store } = deps;
  const doc = await runDocument(store.db, store.dialect, runId, deps.clock());
  if (!doc) return false;
  await store.transaction((tx) => putDocument(tx.db, doc, deps.clock()));
  return true;
}

/**
 * Index runs finished since `since` whose document is missing or older than their finish
 * (a run retried after failing finishes again). Answers how many it saw and the finish time of
 * the last, for the caller's cursor.
 */
export async function indexFinishedRuns(
  deps: KbIndexerDeps,
  since: number,
  batch = BATCH,
): Promise<{ seen: number; indexed: number; last: number | null }> {
  const rows = await deps.store.db
    .selectFrom('runs as r')
    .select(['r.id', 'r.finished_at'])
    .where('r.finished_at', '>=', since)
    .where('r.status', 'in', FINISHED)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('kb_documents as d')
            .select('d.id')
            .where('d.kind', '=', 'run')
            .whereRef('d.ref_id', '=', 'r.id')
            .where('d.source_version', '=', sql<string>`cast(r.finished_at as text)`),
        ),
      ),
    )
    .orderBy('r.finished_at')
    .limit(batch)
    .execute();
  let indexed = 0;
  for (const r of rows) {
    try {
      if (await indexRun(deps, r.id)) indexed++;
    } catch (err: unknown) {
      deps.log.error({ run: r.id, err: errorMessage(err) }, 'run report not indexed');
    }
  }
  return { seen: rows.length, indexed, last: rows.at(-1)?.finished_at ?? null };
}

/** An incident's document (its timeline and notes), with the version it was made from. */
export async function incidentDocumentOf(
  db: Db,
  id: string,
  version: string,
): Promise<KbDocument | undefined> {
  const i = await db.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirst();
  if (!i) return undefined;
  const timeline = await db
    .selectFrom('incident_timeline')
    .select(['at', 'type', 'actor', 'message'])
    .where('incident_id', '=', id)
    .orderBy('id')
    .limit(5000)
    .execute();
  const runs = await db
    .selectFrom('incident_runs')
    .select(['run_id', 'rule'])
    .where('incident_id', '=', id)
    .orderBy('created_at')
    .execute();
  const alerts = await db
    .selectFrom('alerts')
    .select('resource')
    .distinct()
    .where('incident_id', '=', id)
    .where('resource', 'is not', null)
    .execute();
  const doc = incidentDocument({
    id: i.id,
    title: i.title,
    status: i.status,
    severity: i.severity,
    site: i.site,
    resource: i.resource,
    team: i.team,
    assignee: i.assignee,
    labels: JSON.parse(i.labels) as Record<string, string>,
    openedAt: i.opened_at,
    acknowledgedAt: i.acknowledged_at,
    acknowledgedBy: i.acknowledged_by,
    resolvedAt: i.resolved_at,
    resolvedBy: i.resolved_by,
    timeline,
    runs: runs.map((r) => ({ runId: r.run_id, rule: r.rule })),
    alertResources: alerts.map((a) => a.resource!).sort(),
  });
  return {
    kind: 'incident',
    refId: id,
    ...doc,
    site: i.site,
    status: i.status,
    at: i.opened_at,
    sourceVersion: version,
  };
}

/** `updated_at:last timeline id` of incident `i`: it changes whenever the incident or its timeline does. */
const incidentVersion = sql<string>`cast(i.updated_at as text) || ':' || cast(coalesce((select max(t.id) from incident_timeline t where t.incident_id = i.id), 0) as text)`;

/** Index incidents whose document is missing or older than the incident; answers how many. */
export async function indexChangedIncidents(deps: KbIndexerDeps, batch = BATCH): Promise<number> {
  const { store } = deps;
  const rows = await store.db
    .selectFrom('incidents as i')
    .leftJoin('kb_documents as d', (join) =>
      join.on('d.kind', '=', 'incident').onRef('d.ref_id', '=', 'i.id'),
    )
    .select(['i.id', incidentVersion.as('version')])
    .where((eb) => eb.or([eb('d.id', 'is', null), eb('d.source_version', '<>', incidentVersion)]))
    .orderBy('i.opened_at')
    .limit(batch)
    .execute();
  let indexed = 0;
  for (const r of rows) {
    try {
      const doc = await incidentDocumentOf(store.db, r.id, r.version);
      if (!doc) continue;
      await store.transaction((tx) => putDocument(tx.db, doc, deps.clock()));
      indexed++;
    } catch (err: unknown) {
      deps.log.error({ incident: r.id, err: errorMessage(err) }, 'incident not indexed');
    }
  }
  return indexed;
}

/** Where to look for finished runs from at start: a little before the last indexed one. */
async function startingCursor(db: Db): Promise<number> {
  const row = await db
    .selectFrom('kb_documents')
    .select((eb) => eb.fn.max('indexed_at').as('last'))
    .where('kind', '=', 'run')
    .executeTakeFirst();
  const last = row?.last;
  return last === null || last === undefined ? 0 : last - MARGIN_MS;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}

/** Run until `signal` aborts: finished runs every 2 s, changed incidents every 10 s. */
export async function runKbIndexer(
  deps: KbIndexerDeps,
  signal: AbortSignal,
  o: { runPollMs?: number; incidentSweepMs?: number } = {},
): Promise<void> {
  let cursor: number | undefined;
  let nextSweep = 0;
  while (!signal.aborted) {
    let busy = false;
    try {
      cursor ??= await startingCursor(deps.store.db);
      const looked = deps.clock();
      const r = await indexFinishedRuns(deps, cursor);
      if (r.seen === BATCH && r.indexed > 0 && r.last !== null) {
        cursor = Math.max(cursor, r.last);
        busy = true;
      } else cursor = Math.max(cursor, looked - MARGIN_MS);
    } catch (err: unknown) {
      deps.log.error({ err: errorMessage(err) }, 'looking for finished runs failed; trying again');
    }
    if (deps.clock() >= nextSweep) {
      try {
        busy = (await indexChangedIncidents(deps)) === BATCH || busy;
      } catch (err: unknown) {
        deps.log.error({ err: errorMessage(err) }, 'looking for changed incidents failed; trying again');
      }
      nextSweep = deps.clock() + (o.incidentSweepMs ?? INCIDENT_SWEEP_MS);
    }
    if (!busy) await sleep(o.runPollMs ?? RUN_POLL_MS, signal);
  }
}
