/**
 * Interval probes: definitions and results in the store, the agent protocol's probe calls (the
 * server's side and the agent's runner), and the evaluator that turns the reachability matrix
 * into site incidents and service events. Other folders import from here only.
 */
export {
  putProbe,
  listProbes,
  getProbe,
  deleteProbe,
  probeSitesOfStore,
  recordResults,
  listCells,
  listResults,
  pruneResults,
  RESULT_RETENTION_MS,
  type StoredProbe,
  type ProbeResult,
} from './store.ts';
export {
  assignmentsFor,
  acceptResults,
  LIVE_AGENT_MS,
  MAX_RESULT_AGE_MS,
  type ProbeAssignment,
  type ReportedResult,
} from './agent-side-server.ts';
export {
  currentMatrix,
  evaluateProbes,
  runProbeEvaluator,
  serviceEvent,
  PROBE_EVENT_SOURCE,
  type ProbeDeps,
  type ProbeIncidentHooks,
} from './evaluator.ts';
export { runProbeRunner, type AgentProbeApi, type ProbeRunnerOptions } from './runner.ts';
export { httpProbeApi, inProcessProbeApi } from './agent-api.ts';
