/**
 * Test support for the rule worker: events and incidents written to the events tables, and the
 * worker's dependencies on a test store with a real engine and a clock the test moves.
 */
import type { IncidentSummary, NormalizedEvent } from '../../src/core/events/index.ts';
import { silentLogger } from '../../src/engine/deps.ts';
import { parseRule } from '../../src/core/rules/index.ts';
import { runbookHash } from '../../src/core/runbook/index.ts';
import { applyRule, type IncidentPort, type RuleWorkerDeps } from '../../src/rules/index.ts';
import { uuidv7, type Store } from '../../src/store/index.ts';
import { startTestEngine, type TestEngine } from '../support/engine.ts';
import { incidentPort } from './port.ts';

/** The test clock starts an hour or two ahead: events are queued at the real time, due at once. */
export const T0 = Math.ceil(Date.now() / 3_600_000) * 3_600_000 + 3_600_000;

export interface RuleHarness {
  store: Store;
  engine: TestEngine;
  deps: RuleWorkerDeps;
  port: IncidentPort;
  now: { value: number };
  applyRule(yaml: string): Promise<void>;
  /** Store an event (and its incident, if given) and queue it, as ingest does. */
  ingest(
    e: Partial<NormalizedEvent>,
    incident?: Partial<IncidentSummary> | null,
  ): Promise<{ eventId: string; incidentId: string | null }>;
  timeline(incidentId: string): Promise<{ type: string; message: string; run_id: string | null }[]>;
  linkedRuns(incidentId: string): Promise<{ run_id: string; rule: string | null }[]>;
  stop(): Promise<void>;
}

export async function ruleHarness(store: Store, o: { agent?: boolean } = {}): Promise<RuleHarness> {
  const engine = await startTestEngine(store, { agent: o.agent ?? false });
  const now = { value: T0 };
  const port = incidentPort();
  const deps: RuleWorkerDeps = {
    store,
    engine: engine.engine,
    clock: () => now.value,
    newId: uuidv7,
    log: silentLogger,
    incidents: port,
  };
  return {
    store,
    engine,
    deps,
    port,
    now,
    async applyRule(yaml) {
      const rule = parseRule(yaml);
      await applyRule(store.db, {
        rule,
        source: yaml,
        hash: runbookHash(yaml),
        actor: 'test',
        now: now.value,
      });
    },
    async ingest(e, incident = null) {
      return store.transaction((tx) => port.ingest(tx, e, incident, now.value));
    },
    async timeline(incidentId) {
      return store.db
        .selectFrom('incident_timeline')
        .select(['type', 'message', 'run_id'])
        .where('incident_id', '=', incidentId)
        .orderBy('id')
        .execute();
    },
    async linkedRuns(incidentId) {
      return store.db
        .selectFrom('incident_runs')
        .select(['run_id', 'rule'])
        .where('incident_id', '=', incidentId)
        .execute();
    },
    stop: () => engine.stop(),
  };
}

export const ruleYaml = (name: string, spec: string) => `apiVersion: tandem/v1
kind: Rule
metadata: { name: ${name} }
spec:
${spec}`;
