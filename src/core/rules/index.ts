/**
 * Automation rules: the `kind: Rule` model, its validation, what its expressions see, and the
 * guard-rail decision. Pure: the rule worker (src/rules) gathers the facts and acts.
 */
export * from './model.ts';
export { parseRule } from './parse.ts';
export { readDocument, type ReadDocument } from './document.ts';
export { checkCondition, checkTemplate, checkTemplatesDeep } from './check-expressions.ts';
export { ruleContext, groupKeyOf, resourceKeyOf, type RuleFacts } from './context.ts';
export {
  ruleMatches,
  ruleInputs,
  approvalRequired,
  approvalMessage,
  type ApprovalVerdict,
} from './evaluate.ts';
export { checkGuardRails, rateWindowStart, type GuardFacts, type GuardVerdict } from './guards.ts';
export { gateRunbookSource, gateRunbookName, GATE_MESSAGE_INPUT, type GateArgs } from './gate.ts';
