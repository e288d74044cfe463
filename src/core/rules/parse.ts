/** Reading a `kind: Rule` document: schema, then every expression compiled with its position. */
import { checkCondition, checkTemplate, checkTemplatesDeep } from './check-expressions.ts';
import { readDocument } from './document.ts';
import { ruleDocumentSchema, RULE_VARIABLES, type Rule } from './model.ts';

/**
 * Parses and validates a rule. Throws one `TandemError('invalid_input')` whose details list
 * every problem with its path, line and column: YAML, schema, and expressions that do not
 * compile or read variables other than event, incident and resource.
 */
export function parseRule(text: string): Rule {
  const { value: rule, problems } = readDocument(text, ruleDocumentSchema, 'Rule');
  const { spec } = rule;
  checkCondition(problems, ['spec', 'match'], spec.match, RULE_VARIABLES);
  checkCondition(problems, ['spec', 'require_approval_when'], spec.require_approval_when, RULE_VARIABLES);
  checkTemplatesDeep(problems, ['spec', 'inputs'], spec.inputs, RULE_VARIABLES);
  if (spec.approval.message !== undefined)
    checkTemplate(problems, ['spec', 'approval', 'message'], spec.approval.message, RULE_VARIABLES);
  if (problems.size > 0) throw problems.toError();
  return rule;
}
