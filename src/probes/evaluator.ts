/**
 * The probe evaluator: builds the reachability matrix from the latest results, and acts on what
 * changed — a site cut off opens a site incident (closed when the site is back), a service down
 * from every site becomes a firing event of source kind `probe` (resolved when it is back).
 *
 * Every replica may run it. What was last acted on is kept per subject in `probe_states`; a
 * transition is taken by the conditional update that moves its row from the status seen, in the
 * transaction of its action, so two replicas never both open the same incident.
 */
import { errorMessage } from '../core/errors.ts';
import type { EventInput } from '../core/events/index.ts';
import {
  buildMatrix,
  matrixTransitions,
  probeSites,
  type Matrix,
  type Transition,
} from '../core/probes/index.ts';
import type { Logger } from '../engine/deps.ts';
import type { Store, Tx } from '../store/index.ts';
import { listCells, listProbes, probeSitesOfStore, pruneResults } from './store.ts';

/** What probes need of the events engine: site incidents, and events in. */
export interface ProbeIncidentHooks {
  openSiteIncident(tx: Tx, site: string, reason: string): Promise<unknown>;
  resolveSiteIncident(tx: Tx, site: string, reason: string): Promise<unknown>;
  /** Take an event in as if a monitoring system sent it (source kind `probe`), in `tx`. */
  ingestEvent(tx: Tx, event: EventInput): Promise<unknown>;
}

export interface ProbeDeps {
  store: Store;
  clock: () => number;
  log: Logger;
  hooks: ProbeIncidentHooks;
}

/** The configured name of the source probe events come through. */
export const PROBE_EVENT_SOURCE = 'tandem-probes';

/** The matrix as it stands now. */
export async function currentMatrix(store: Store, now: number): Promise<Matrix> {
  const [probes, sites, cells] = await Promise.all([
    listProbes(store.db),
    probeSitesOfStore(store.db),
    listCells(store.db),
  ]);
  const sitesOf = new Map<string, string[]>();
  for (const p of probes) {
    try {
      sitesOf.set(p.name, probeSites(p, sites));
    } catch {
      sitesOf.set(p.name, []);
    }
  }
  return buildMatrix({ probes, sitesOf, cells, now });
}

/** The event a service down (or back) becomes. */
export function serviceEvent(
  t: Extract<Transition, { type: 'service.down' | 'service.recovered' }>,
  now: number,
): EventInput {
  const down = t.type === 'service.down';
  const description = down
    ? t.failing.map((f) => `${f.site}: ${f.errors.join('; ')}`).join('\n')
    : `${t.service} is reachable again`;
  return {
    fingerprint: `probe:service:${t.service}`,
    status: down ? 'firing' : 'resolved',
    severity: 'critical',
    summary: `${t.service} is unreachable from every site that probes it`,
    description,
    labels: { alertname: 'ServiceUnreachable', service: t.service },
    annotations: {},
    details: down ? { failing: t.failing } : null,
    groupKey: null,
    startsAt: now,
    endsAt: down ? null : now,
    generatorUrl: null,
  };
}

const subjectOf = (t: Transition) => ('site' in t ? `site:${t.site}` : `service:${t.service}`);

/** Move a subject's row from `from` to `to`; false when another replica moved it first. */
async function claim(tx: Tx, subject: string, from: string, to: string, reason: string | null, now: number) {
  await tx.db
    .insertInto('probe_states')
    .values({ subject, status: 'unknown', reason: null, since: now, updated_at: now })
    .onConflict((oc) => oc.column('subject').doNothing())
    .execute();
  const res = await tx.db
    .updateTable('probe_states')
    .set({ status: to, reason, ...(from === to ? {} : { since: now }), updated_at: now })
    .where('subject', '=', subject)
    .where('status', '=', from)
    .executeTakeFirst();
  return res.numUpdatedRows > 0n;
}

async function act(tx: Tx, deps: ProbeDeps, t: Transition, now: number): Promise<void> {
  switch (t.type) {
    case 'site.cut_off':
      await deps.hooks.openSiteIncident(
        tx,
        t.site,
        t.reason === 'silent'
          ? `no probe results from site ${t.site} while other sites report`
          : `site ${t.site} reaches none of the services other sites reach`,
      );
      return;
    case 'site.recovered':
      await deps.hooks.resolveSiteIncident(tx, t.site, `site ${t.site} reaches the services again`);
      return;
    case 'service.down':
    case 'service.recovered':
      await deps.hooks.ingestEvent(tx, serviceEvent(t, now));
      return;
  }
}

/** Evaluate once: build the matrix, act on transitions, keep statuses. Answers the matrix. */
export async function evaluateProbes(deps: ProbeDeps): Promise<{ matrix: Matrix; acted: Transition[] }> {
  const now = deps.clock();
  const matrix = await currentMatrix(deps.store, now);
  const rows = await deps.store.db.selectFrom('probe_states').select(['subject', 'status']).execute();
  const previous = new Map(rows.map((r) => [r.subject, r.status]));
  const { transitions, next } = matrixTransitions(previous, matrix);
  const acted: Transition[] = [];
  for (const t of transitions) {
    const subject = subjectOf(t);
    const to = next.get(subject)!;
    const done = await deps.store.transaction(async (tx) => {
      if (!(await claim(tx, subject, previous.get(subject) ?? 'unknown', to.status, to.reason, now)))
        return false;
      await act(tx, deps, t, now);
      return true;
    });
    if (done) {
      acted.push(t);
      deps.log.info({ transition: t.type, subject }, 'probe classification changed');
    }
  }
  // Other changes (ok ↔ degraded, up ↔ partial) are kept without acting.
  const acting = new Set(transitions.map(subjectOf));
  for (const [subject, s] of next) {
    const was = previous.get(subject);
    if (acting.has(subject) || was === s.status) continue;
    await deps.store.transaction((tx) => claim(tx, subject, was ?? 'unknown', s.status, s.reason, now));
  }
  return { matrix, acted };
}

/** Evaluate every `everyMs` until `signal` aborts; prune old results once an hour. */
export async function runProbeEvaluator(
  deps: ProbeDeps,
  signal: AbortSignal,
  everyMs = 5_000,
): Promise<void> {
  let prunedAt = 0;
  while (!signal.aborted) {
    try {
      await evaluateProbes(deps);
      if (deps.clock() - prunedAt > 3_600_000) {
        prunedAt = deps.clock();
        while ((await pruneResults(deps.store.db, deps.clock())) > 0 && !signal.aborted);
      }
    } catch (err: unknown) {
      deps.log.error({ err: errorMessage(err) }, 'probe evaluation failed; trying again');
    }
    await new Promise<void>((resolve) => {
      const t = setTimeout(done, everyMs);
      function done() {
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
