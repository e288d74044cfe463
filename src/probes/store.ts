/**
 * Probes in the store: definitions (versioned by content), results as a time series, the latest
 * result per probe and site (cells, kept by the same write as the result), retention.
 */
import { createHash } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { TandemError } from '../core/errors.ts';
import type { Cell, ProbeDefinition, ProbeSite } from '../core/probes/index.ts';
import { LOCAL_SITE } from '../core/engine/index.ts';
import type { Database } from '../store/index.ts';

type Db = Kysely<Database> | Transaction<Database>;

/** Raw results are kept this long (TANDEM_PROBE_RETENTION_DAYS overrides): a week of history. */
export const RESULT_RETENTION_MS = (Number(process.env.TANDEM_PROBE_RETENTION_DAYS) || 7) * 86_400_000;

export interface StoredProbe extends ProbeDefinition {
  version: number;
  createdBy: string | null;
  createdAt: number;
  updatedAt: number;
}

const hashOf = (p: ProbeDefinition) => createHash('sha256').update(JSON.stringify(p)).digest('hex');

/** Create or replace a probe: answers `created`, `updated` or `unchanged` (identical definition). */
export async function putProbe(
  db: Db,
  p: ProbeDefinition,
  actor: string,
  now: number,
): Promise<{ change: 'created' | 'updated' | 'unchanged'; version: number }> {
  const hash = hashOf(p);
  const row = await db
    .selectFrom('probes')
    .select(['hash', 'version'])
    .where('name', '=', p.name)
    .executeTakeFirst();
  if (row?.hash === hash) return { change: 'unchanged', version: row.version };
  const fields = { service: p.service, definition: JSON.stringify(p), hash, updated_at: now };
  if (row) {
    await db
      .updateTable('probes')
      .set({ ...fields, version: row.version + 1 })
      .where('name', '=', p.name)
      .execute();
    return { change: 'updated', version: row.version + 1 };
  }
  await db
    .insertInto('probes')
    .values({ name: p.name, ...fields, version: 1, created_by: actor, created_at: now })
    .execute();
  return { change: 'created', version: 1 };
}

const toStored = (r: {
  definition: string;
  version: number;
  created_by: string | null;
  created_at: number;
  updated_at: number;
}): StoredProbe => ({
  ...(JSON.parse(r.definition) as ProbeDefinition),
  version: r.version,
  createdBy: r.created_by,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export async function listProbes(db: Db): Promise<StoredProbe[]> {
  const rows = await db
    .selectFrom('probes')
    .select(['definition', 'version', 'created_by', 'created_at', 'updated_at'])
    .orderBy('name')
    .execute();
  return rows.map(toStored);
}

export async function getProbe(db: Db, name: string): Promise<StoredProbe> {
  const row = await db
    .selectFrom('probes')
    .select(['definition', 'version', 'created_by', 'created_at', 'updated_at'])
    .where('name', '=', name)
    .executeTakeFirst();
  if (!row) throw new TandemError('not_found', `no probe ${name}`);
  return toStored(row);
}

/** Delete a probe and its cells (its results age out); answers whether it existed. */
export async function deleteProbe(db: Db, name: string): Promise<boolean> {
  await db.deleteFrom('probe_cells').where('probe', '=', name).execute();
  const res = await db.deleteFrom('probes').where('name', '=', name).executeTakeFirst();
  return res.numDeletedRows > 0n;
}

/** Every site a probe may select: the sites of the estate, and `local` (the server's own agent). */
export async function probeSitesOfStore(db: Db): Promise<ProbeSite[]> {
  const rows = await db
    .selectFrom('sites')
    .select(['name', 'kind', 'provider', 'region', 'labels'])
    .orderBy('name')
    .execute();
  const sites = rows.map((r) => ({
    name: r.name,
    kind: r.kind,
    labels: {
      ...(r.provider === null ? {} : { provider: r.provider }),
      ...(r.region === null ? {} : { region: r.region }),
      ...(JSON.parse(r.labels) as Record<string, string>),
    },
  }));
  if (!sites.some((s) => s.name === LOCAL_SITE)) sites.push({ name: LOCAL_SITE, kind: 'local', labels: {} });
  return sites;
}

/** One result as an agent reports it, timed by the server. */
export interface ProbeResult {
  probe: string;
  site: string;
  agent: string | null;
  at: number;
  ok: boolean;
  latencyMs: number | null;
  error: string | null;
}

/**
 * Store results and move each cell forward: a result older than the cell's (delivered late) is
 * kept in the series but does not change the cell.
 */
export async function recordResults(db: Db, results: readonly ProbeResult[]): Promise<void> {
  if (results.length === 0) return;
  const ordered = [...results].sort((a, b) => a.at - b.at);
  const rows = ordered.map((r) => ({
    probe: r.probe,
    site: r.site,
    agent: r.agent,
    at: r.at,
    ok: r.ok ? 1 : 0,
    latency_ms: r.latencyMs,
    error: r.error === null ? null : r.error.slice(0, 2000),
  }));
  for (let i = 0; i < rows.length; i += 500)
    await db
      .insertInto('probe_results')
      .values(rows.slice(i, i + 500))
      .execute();
  for (const r of rows)
    await db
      .insertInto('probe_cells')
      .values({ ...r, failures: r.ok === 1 ? 0 : 1 })
      .onConflict((oc) =>
        oc
          .columns(['probe', 'site'])
          .doUpdateSet((eb) => ({
            agent: eb.ref('excluded.agent'),
            at: eb.ref('excluded.at'),
            ok: eb.ref('excluded.ok'),
            latency_ms: eb.ref('excluded.latency_ms'),
            error: eb.ref('excluded.error'),
            failures: eb
              .case()
              .when(eb.ref('excluded.ok'), '=', 1)
              .then(0)
              .else(eb('probe_cells.failures', '+', 1))
              .end(),
          }))
          .where('probe_cells.at', '<=', (eb) => eb.ref('excluded.at')),
      )
      .execute();
}

export async function listCells(db: Db): Promise<Cell[]> {
  const rows = await db.selectFrom('probe_cells').selectAll().execute();
  return rows.map((r) => ({
    probe: r.probe,
    site: r.site,
    at: r.at,
    ok: r.ok === 1,
    failures: r.failures,
    latencyMs: r.latency_ms,
    error: r.error,
  }));
}

/** A probe's results, newest first. */
export async function listResults(
  db: Db,
  f: { probe: string; site?: string; since?: number; limit: number },
): Promise<ProbeResult[]> {
  let q = db.selectFrom('probe_results').selectAll().where('probe', '=', f.probe);
  if (f.site !== undefined) q = q.where('site', '=', f.site);
  if (f.since !== undefined) q = q.where('at', '>=', f.since);
  const rows = await q.orderBy('at', 'desc').orderBy('id', 'desc').limit(f.limit).execute();
  return rows.map((r) => ({
    probe: r.probe,
    site: r.site,
    agent: r.agent,
    at: r.at,
    ok: r.ok === 1,
    latencyMs: r.latency_ms,
    error: r.error,
  }));
}

/** Delete results older than the retention, a batch at a time; answers how many went. */
export async function pruneResults(db: Db, now: number, batch = 10_000): Promise<number> {
  const res = await db
    .deleteFrom('probe_results')
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('probe_results')
        .select('id')
        .where('at', '<', now - RESULT_RETENTION_MS)
        .limit(batch),
    )
    .executeTakeFirst();
  return Number(res.numDeletedRows);
}
