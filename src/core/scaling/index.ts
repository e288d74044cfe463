/**
 * Scaling policies: the `kind: ScalingPolicy` model, its validation, and the decision (pure).
 * The worker in src/scaling reads the measure, starts the runs and keeps the state.
 */
export * from './model.ts';
export { parseScalingPolicy, MIN_INTERVAL_MS } from './parse.ts';
export {
  evaluate,
  actionStarted,
  settle,
  conditionOf,
  timingsOf,
  verdictKey,
  type Evaluation,
  type RunEnd,
  type Settled,
} from './decide.ts';
export { readQueryAnswer } from './prometheus-result.ts';
export { scalingContext, actionInputs, type ScalingContext } from './context.ts';
