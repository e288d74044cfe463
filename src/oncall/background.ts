/**
 * What a server runs in the background for on-call and probes, bound to the events engine: the
 * escalation loop, the probe evaluator (site incidents, service events), and the probe runner of
 * the embedded agent (site `local`). One call from `startServer`.
 */
import { errorMessage } from '../core/errors.ts';
import {
  autoResolveFromEnv,
  ingestEvents,
  oncallIncidentPort,
  openSiteIncident,
  resolveSiteIncident,
  type EventSource,
  type IngestDeps,
  type SourceKind,
} from '../events/index.ts';
import type { Logger } from '../engine/deps.ts';
import {
  inProcessProbeApi,
  PROBE_EVENT_SOURCE,
  runProbeEvaluator,
  runProbeRunner,
  type ProbeIncidentHooks,
} from '../probes/index.ts';
import { uuidv7, type Store } from '../store/index.ts';
import { runEscalationLoop } from './escalations.ts';
import { oncallIncidentHooks } from './hooks.ts';

/**
 * The source probe events come through: built in, so it has no credential and no row. Its kind is
 * `probe`, which no configured source has (`SOURCE_KINDS` are the senders that post to Tandem).
 */
const probeSource: EventSource = {
  name: PROBE_EVENT_SOURCE,
  kind: 'probe' as SourceKind,
  auth: 'bearer',
  tokenHash: null,
  sealedSecret: null,
  keyId: null,
  signatureHeader: '',
  timestampHeader: null,
  mapping: null,
  autoResolve: true,
  createdBy: null,
  createdAt: 0,
};

/** The events engine's site incidents and ingest, as the probe evaluator calls them. */
export function probeIncidentHooks(deps: IngestDeps): ProbeIncidentHooks {
  return {
    openSiteIncident: (tx, site, reason) => openSiteIncident(tx, deps, site, reason),
    resolveSiteIncident: (tx, site, reason) => resolveSiteIncident(tx, deps, site, reason),
    ingestEvent: (tx, input) => ingestEvents(tx, deps, probeSource, [input]),
  };
}

export interface BackgroundOptions {
  store: Store;
  log: Logger;
  clock: () => number;
  /** The embedded agent, which runs the probes of site `local`. */
  localAgent: { id: string; site: string };
}

/** Run until `signal` aborts; resolves when every loop has stopped. */
export async function runOncallAndProbes(o: BackgroundOptions, signal: AbortSignal): Promise<void> {
  const incidentDeps: IngestDeps = {
    store: o.store,
    clock: o.clock,
    newId: uuidv7,
    hooks: oncallIncidentHooks(o.clock),
    autoResolveDefault: autoResolveFromEnv(),
  };
  const everyMs = Number(process.env.TANDEM_PROBE_EVALUATE_MS) || 5_000;
  const guard = (name: string, p: Promise<void>) =>
    p.catch((err: unknown) => o.log.error({ err: errorMessage(err) }, `${name} stopped`));
  await Promise.all([
    guard(
      'escalation loop',
      runEscalationLoop(
        {
          store: o.store,
          clock: o.clock,
          log: o.log.child({ loop: 'escalations' }),
          incidents: oncallIncidentPort,
        },
        signal,
      ),
    ),
    guard(
      'probe evaluator',
      runProbeEvaluator(
        {
          store: o.store,
          clock: o.clock,
          log: o.log.child({ loop: 'probes' }),
          hooks: probeIncidentHooks(incidentDeps),
        },
        signal,
        everyMs,
      ),
    ),
    guard(
      'embedded probe runner',
      runProbeRunner({
        api: inProcessProbeApi({ store: o.store, clock: o.clock }, o.localAgent),
        signal,
        log: o.log.child({ agent: o.localAgent.id, loop: 'probes' }),
      }),
    ),
  ]);
}
