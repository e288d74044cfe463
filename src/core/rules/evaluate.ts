/** Evaluating a rule's expressions against one event: pure, over the context of context.ts. */
import { errorMessage } from '../errors.ts';
import { evaluateCondition, renderDeep, renderTemplate, type ExprContext } from '../expr/index.ts';
import type { Rule } from './model.ts';

/**
 * Whether the rule matches. An expression that fails on this event (a label it reads is absent,
 * say) does not match: write `has(event.labels.x)` or `event.labels.?x.orValue("")` to be explicit.
 */
export function ruleMatches(rule: Rule, ctx: ExprContext): boolean {
  try {
    return evaluateCondition(rule.spec.match, ctx);
  } catch {
    return false;
  }
}

/** The run's inputs, rendered from the rule's templates. Throws `ExpressionError`. */
export function ruleInputs(rule: Rule, ctx: ExprContext): Record<string, unknown> {
  return renderDeep(rule.spec.inputs, ctx) as Record<string, unknown>;
}

export interface ApprovalVerdict {
  required: boolean;
  /** Why, for the record: the condition's result, or the error that made it required. */
  because: string;
}

/** Whether the run must wait for an approval. A condition that fails requires one: the safe side. */
export function approvalRequired(rule: Rule, ctx: ExprContext): ApprovalVerdict {
  const condition = rule.spec.require_approval_when;
  try {
    const required = evaluateCondition(condition, ctx);
    return { required, because: `${condition} is ${String(required)}` };
  } catch (err: unknown) {
    return { required: true, because: `${condition} failed (${errorMessage(err)}): approval required` };
  }
}

/** The text of the approval task. */
export function approvalMessage(rule: Rule, ctx: ExprContext, runbook: string): string {
  const custom = rule.spec.approval.message;
  if (custom !== undefined) {
    try {
      return renderTemplate(custom, ctx);
    } catch (err: unknown) {
      return `${custom} (could not render: ${errorMessage(err)})`;
    }
  }
  const event = ctx.event as { summary?: string; labels?: Record<string, string> } | undefined;
  const resource = ctx.resource as { kind: string; name: string } | null | undefined;
  const on = resource ? ` on ${resource.kind}/${resource.name}` : '';
  return `Rule ${rule.metadata.name} wants to run ${runbook}${on} for: ${event?.summary ?? 'an alert'}. Approve?`;
}
