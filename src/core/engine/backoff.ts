import { parseDuration } from '../runbook/index.ts';
import type { RetrySpec } from '../runbook/model.ts';

const DEFAULT_MAX_MS = 5 * 60_000;

/**
 * Delay before the next try after `attempt` failed: `initial` each time (constant) or
 * `initial` × 2^(attempt−1) capped by `max` (exponential); jitter draws uniformly in [d/2, d].
 */
export function retryDelay(retry: RetrySpec | undefined, attempt: number, random: () => number): number {
  if (!retry) return 0;
  const initial = parseDuration(retry.initial);
  const max = retry.max ? parseDuration(retry.max) : DEFAULT_MAX_MS;
  const base = retry.backoff === 'constant' ? initial : initial * 2 ** Math.max(0, attempt - 1);
  const capped = Math.min(base, max);
  return retry.jitter ? Math.round(capped / 2 + (random() * capped) / 2) : capped;
}
