/**
 * Routing, pure: the first rule (in position order) whose label equalities and CEL condition
 * hold for an incident gives its team and escalation policy. A rule whose condition fails to
 * evaluate (a missing field, say) does not match; the error is reported beside the answer.
 */
import { compileExpression, ExpressionError } from '../expr/index.ts';
import type { IncidentSummary, NormalizedEvent } from '../events/index.ts';
import type { RoutingRuleSpec } from './model.ts';

export interface RoutingRule extends RoutingRuleSpec {
  position: number;
}

/** What a rule's `when` sees: `incident`, `event` (the one that opened it, when known) and `labels`. */
export interface RoutingContext {
  incident: Record<string, unknown>;
  event: Record<string, unknown> | null;
  /** The event's labels over the incident's own. */
  labels: Record<string, string>;
}

export interface RoutingAnswer {
  rule: RoutingRule | null;
  /** Rules whose condition could not be evaluated, with why. */
  errors: { rule: string; error: string }[];
}

/** The routing context of an incident and (optionally) the event that opened it. */
export function routingContext(
  incident: IncidentSummary & { labels?: Record<string, string> },
  event?: NormalizedEvent | null,
): RoutingContext {
  const labels = { ...(incident.labels ?? {}), ...(event?.labels ?? {}) };
  return {
    incident: {
      id: incident.id,
      status: incident.status,
      severity: incident.severity,
      title: incident.title,
      site: incident.site,
      resource: incident.resource,
      grouping: incident.grouping,
      labels: incident.labels ?? {},
    },
    event: event
      ? {
          source: event.source,
          source_kind: event.sourceKind,
          fingerprint: event.fingerprint,
          status: event.status,
          severity: event.severity,
          summary: event.summary,
          labels: event.labels,
          annotations: event.annotations,
          site: event.site,
          resource: event.resource,
        }
      : null,
    labels,
  };
}

/** A problem with a rule's condition (it does not compile), or undefined. */
export function conditionProblem(when: string): string | undefined {
  try {
    compileExpression(when);
    return undefined;
  } catch (err: unknown) {
    return err instanceof Error ? err.message : String(err);
  }
}

function holds(rule: RoutingRule, ctx: RoutingContext): boolean {
  for (const [k, v] of Object.entries(rule.labels ?? {})) if (ctx.labels[k] !== v) return false;
  if (rule.when === undefined) return true;
  const value = compileExpression(rule.when).evaluate({ ...ctx });
  if (typeof value !== 'boolean')
    throw new ExpressionError(`the condition gave ${JSON.stringify(value)}, not true or false`, {
      source: rule.when,
    });
  return value;
}

/** The first rule, by position then name, that matches. */
export function routeBy(rules: readonly RoutingRule[], ctx: RoutingContext): RoutingAnswer {
  const ordered = [...rules].sort((a, b) => a.position - b.position || (a.name < b.name ? -1 : 1));
  const errors: RoutingAnswer['errors'] = [];
  for (const rule of ordered) {
    try {
      if (holds(rule, ctx)) return { rule, errors };
    } catch (err: unknown) {
      errors.push({ rule: rule.name, error: err instanceof Error ? err.message : String(err) });
    }
  }
  return { rule: null, errors };
}
