/**
 * Scaling policies (`kind: ScalingPolicy`): add instances in another site while a Prometheus
 * measure stays above a threshold, and remove them when it stays below another.
 *
 * Glossary
 * - measure: the value of the policy's PromQL query (one series, or a scalar) at an evaluation.
 * - condition: which side of the band the measure is on: `above` (> scale_out_above), `below`
 *   (< scale_in_below), or none (in the band between them: the hysteresis that keeps a measure
 *   hovering near one threshold from adding and removing instances in turn).
 * - for: how long a condition must have held, at every evaluation, before it acts.
 * - cooldown: after an action's run ended (succeeded or not), how long no new action starts.
 * - instances: the extra instances the policy added and has not removed (what its scale-out
 *   runs that succeeded added, less its scale-in runs that succeeded), kept within min..max.
 * - action: one run of the scale-out or scale-in runbook, one instance each. While it runs the
 *   policy starts nothing else (`in_progress`).
 * - decision: what one evaluation concluded, recorded when it differs from the last recorded
 *   one (so a quiet policy does not write a row every tick), and always for actions.
 */
import { z } from 'zod';
import { duration } from '../runbook/model-base.ts';
import { metadataSpec } from '../rules/model.ts';

/** The variables the inputs of a scaling runbook may read. */
export const SCALING_VARIABLES = ['scaling'] as const;

const actionSpec = (defaultRunbook: string) =>
  z.strictObject({
    runbook: z.string().min(1).default(defaultRunbook),
    inputs: z
      .record(z.string(), z.unknown())
      .default({ site: '${{ scaling.burst_site }}' })
      .describe(
        'Run inputs; strings may hold ${{ scaling.* }} (policy, burst_site, instances, target, value)',
      ),
  });

export const scalingSpecSchema = z.strictObject({
  enabled: z.boolean().default(true),
  prometheus: z.url({ protocol: /^https?$/ }).describe("Prometheus' base URL, e.g. http://10.77.0.1:9090"),
  query: z.string().min(1).describe('PromQL answering one series or a scalar, e.g. sum(rate(...[20s]))'),
  scale_out_above: z.number().describe('Add an instance while the measure stays above this'),
  scale_in_below: z.number().describe('Remove one while it stays below this (less than scale_out_above)'),
  for: duration.default('30s').describe('How long the measure must stay past a threshold before acting'),
  cooldown: duration.default('2m').describe("No new action until this long after the last one's run ended"),
  interval: duration.default('10s').describe('How often the measure is evaluated (at least 1s)'),
  min: z.number().int().min(0).default(0).describe('Fewest extra instances'),
  max: z.number().int().min(0).max(100).describe('Most extra instances'),
  burst_site: z.string().min(1).describe('The site instances are added in'),
  scale_out: actionSpec('burst-scale-out'),
  scale_in: actionSpec('scale-in'),
});
export type ScalingSpec = z.infer<typeof scalingSpecSchema>;

export const scalingDocumentSchema = z.strictObject({
  apiVersion: z.literal('tandem/v1'),
  kind: z.literal('ScalingPolicy'),
  metadata: metadataSpec,
  spec: scalingSpecSchema,
});
export type ScalingPolicy = z.infer<typeof scalingDocumentSchema>;

/** The durations of a policy in milliseconds. */
export interface ScalingTimings {
  forMs: number;
  cooldownMs: number;
  intervalMs: number;
}

export type ScalingAction = 'scale_out' | 'scale_in';
export type Condition = 'above' | 'below';

/** An action whose run has not ended yet. */
export interface PendingAction {
  action: ScalingAction;
  runId: string;
  since: number;
}

/** What the store keeps about a policy between evaluations. */
export interface ScalingState {
  instances: number;
  condition: Condition | null;
  /** The first evaluation of an unbroken series that saw `condition`. */
  conditionSince: number | null;
  /** When the last action's run ended: the cooldown counts from then. */
  lastActionAt: number | null;
  pending: PendingAction | null;
}

export const initialScalingState = (): ScalingState => ({
  instances: 0,
  condition: null,
  conditionSince: null,
  lastActionAt: null,
  pending: null,
});

/** One reading of the measure: a number, or why there is none. */
export type Observation = { ok: true; value: number } | { ok: false; error: string };

/** Why an evaluation started nothing. */
export type HoldReason =
  'within_band' | 'for_pending' | 'cooldown' | 'at_max' | 'at_min' | 'in_progress' | 'no_data' | 'disabled';

/** What an evaluation concluded. */
export type Verdict =
  | { kind: 'scale_out'; reason: 'above_threshold' | 'below_min' }
  | { kind: 'scale_in'; reason: 'below_threshold' | 'above_max' }
  | { kind: 'hold'; reason: HoldReason };

/** The kinds of decision recorded: verdicts, how actions ended, and actions that could not start. */
export type DecisionKind = Verdict['kind'] | 'scaled_out' | 'scaled_in' | 'action_failed' | 'error';
