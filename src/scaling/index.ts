/** Scaling policies, the shell: their store, the Prometheus reader and the worker that acts. */
export {
  applyPolicy,
  findPolicy,
  listPolicies,
  deletePolicy,
  listDecisions,
  type StoredPolicy,
  type StoredState,
  type AppliedPolicy,
  type Decision,
} from './policy-store.ts';
export { queryPrometheus, QUERY_TIMEOUT_MS, type MeasureReader } from './prometheus.ts';
export {
  runScalingWorker,
  evaluatePolicy,
  evaluateDuePolicies,
  scalingActor,
  LEASE_MS,
  type ScalingWorkerDeps,
  type EvaluationResult,
} from './worker.ts';
