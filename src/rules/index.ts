/**
 * Automation rules, the shell: the rule queue (ingest enqueues), the store of rules, firings,
 * locks and change freezes, and the worker that evaluates events and starts runs.
 */
export { enqueueRuleEvaluation, queueDepth, RULE_QUEUE_CHANNEL, MAX_EVALUATION_ATTEMPTS } from './queue.ts';
export {
  applyRule,
  findRule,
  listRules,
  deleteRule,
  type StoredRule,
  type AppliedDocument,
} from './rule-store.ts';
export { listFirings, type Firing } from './firings.ts';
export {
  activeFreeze,
  addFreeze,
  endActiveFreezes,
  listFreezes,
  deleteFreeze,
  type Freeze,
} from './freezes.ts';
export type { IncidentPort, RuleTimelineEntry } from './incident-port.ts';
export { ruleActor, type RuleWorkerDeps } from './evaluate-event.ts';
export { runRuleWorker, ruleWorkerPass, evaluateNext } from './worker.ts';
export { reportFinishedRuns } from './outcomes.ts';
