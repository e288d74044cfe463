/**
 * The control plane's side of interval probes in the agent protocol: which probes an agent runs
 * (its assignments), and the results it reports. An agent only ever gets, and may only report,
 * probes of its own site.
 */
import { assignedProbes, probeSites, type ProbeCheck } from '../core/probes/index.ts';
import type { Store } from '../store/index.ts';
import { listProbes, probeSitesOfStore, recordResults, type ProbeResult } from './store.ts';

/** An agent counts as live for assignments when heard from within this: three 10 s heartbeats. */
export const LIVE_AGENT_MS = 30_000;
/** Results measured longer ago than this are not taken: a day. */
export const MAX_RESULT_AGE_MS = 86_400_000;

/** What an agent needs to run a probe. */
export interface ProbeAssignment {
  name: string;
  intervalMs: number;
  timeoutMs: number;
  check: ProbeCheck;
}

/** A result as an agent sends it: how long ago it was measured, not when (agents' clocks drift). */
export interface ReportedResult {
  probe: string;
  ageMs: number;
  ok: boolean;
  latencyMs: number | null;
  error: string | null;
}

interface Agent {
  id: string;
  site: string;
}

export async function assignmentsFor(store: Store, agent: Agent, now: number): Promise<ProbeAssignment[]> {
  const probes = await listProbes(store.db);
  if (probes.length === 0) return [];
  const site = (await probeSitesOfStore(store.db)).find((s) => s.name === agent.site);
  if (!site) return [];
  const live = await store.db
    .selectFrom('agents')
    .select('id')
    .where('site', '=', agent.site)
    .where('status', '=', 'active')
    .where('last_seen_at', '>=', now - LIVE_AGENT_MS)
    .execute();
  return assignedProbes(
    probes,
    site,
    agent.id,
    live.map((a) => a.id),
  ).map((p) => ({ name: p.name, intervalMs: p.intervalMs, timeoutMs: p.timeoutMs, check: p.check }));
}

/**
 * Keep the results of probes that run at the agent's site (whichever of its agents runs them now:
 * an assignment may just have moved); drop the rest. Answers how many were kept and dropped.
 */
export async function acceptResults(
  store: Store,
  agent: Agent,
  results: readonly ReportedResult[],
  now: number,
): Promise<{ accepted: number; dropped: number }> {
  if (results.length === 0) return { accepted: 0, dropped: 0 };
  const sites = await probeSitesOfStore(store.db);
  const site = sites.find((s) => s.name === agent.site);
  const mine = new Set(
    site
      ? (await listProbes(store.db))
          .filter((p) => {
            try {
              return probeSites(p, [site]).length === 1;
            } catch {
              return false;
            }
          })
          .map((p) => p.name)
      : [],
  );
  const kept: ProbeResult[] = results
    .filter((r) => mine.has(r.probe) && r.ageMs <= MAX_RESULT_AGE_MS)
    .map((r) => ({
      probe: r.probe,
      site: agent.site,
      agent: agent.id,
      at: now - Math.max(0, r.ageMs),
      ok: r.ok,
      latencyMs: r.latencyMs,
      error: r.error,
    }));
  await store.transaction((tx) => recordResults(tx.db, kept));
  return { accepted: kept.length, dropped: results.length - kept.length };
}
