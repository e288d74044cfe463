/** What the inputs of a scaling runbook see: `${{ scaling.* }}`, and the inputs rendered with it. */
import { renderDeep } from '../expr/index.ts';
import type { ScalingAction, ScalingPolicy } from './model.ts';

export interface ScalingContext {
  policy: string;
  action: ScalingAction;
  burst_site: string;
  /** Extra instances before the action, and after it if it succeeds. */
  instances: number;
  target: number;
  /** The measure that decided (null when the bounds decided without one). */
  value: number | null;
  threshold: number;
}

export function scalingContext(
  policy: ScalingPolicy,
  action: ScalingAction,
  instances: number,
  value: number | null,
): ScalingContext {
  const { spec } = policy;
  return {
    policy: policy.metadata.name,
    action,
    burst_site: spec.burst_site,
    instances,
    target: action === 'scale_out' ? instances + 1 : instances - 1,
    value,
    threshold: action === 'scale_out' ? spec.scale_out_above : spec.scale_in_below,
  };
}

/** The action's run inputs, rendered; throws an ExpressionError when a template fails. */
export function actionInputs(policy: ScalingPolicy, ctx: ScalingContext): Record<string, unknown> {
  const inputs = ctx.action === 'scale_out' ? policy.spec.scale_out.inputs : policy.spec.scale_in.inputs;
  return renderDeep(inputs, { scaling: ctx }) as Record<string, unknown>;
}
