/**
 * Service level objectives as people write them (`kind: SLO`).
 *
 * Glossary
 * - SLO: a service's objective over a rolling window, e.g. 99.9 % of probe results good over 30 days.
 * - indicator (SLI): what is measured. `availability`: the share of probe results (Tandem's own
 *   probes, per site) that succeeded. `latency`: the share of time slices (one per `step`) in
 *   which a Prometheus query's value was at most `threshold`.
 * - error budget: the bad share the objective allows (0.1 % for 99.9 %); "remaining" is what is
 *   left of it over the window (negative once the objective is missed).
 * - burn rate: how fast the budget goes: the bad share over a short window (1 h, 6 h) divided by
 *   the allowed share. 1 spends the budget exactly over the window; 14.4 over 1 h spends 2 % of a
 *   30-day budget in that hour.
 */
import { z } from 'zod';
import { DURATION_PATTERN, parseDuration } from '../runbook/index.ts';

export const SLO_NAME = /^[a-z0-9]([a-z0-9._-]{0,126}[a-z0-9])?$/;
const name = z
  .string()
  .regex(SLO_NAME, 'lower-case letters, digits, ".", "_" and "-", at most 128 characters');
const duration = z.string().regex(DURATION_PATTERN, 'a duration such as 1m, 6h or 30d');
const percent = z
  .number()
  .gt(0, 'a percentage above 0')
  .lt(100, 'a percentage below 100 (100 % leaves no error budget)')
  .describe('Percent, e.g. 99.9');

/** The shortest and longest windows: an hour of history at least, a bit over a year at most. */
export const MIN_WINDOW_MS = 3_600_000;
export const MAX_WINDOW_MS = 400 * 86_400_000;
/** A Prometheus slice of a second at least, a day at most. */
const MIN_STEP_MS = 1_000;
const MAX_STEP_MS = 86_400_000;

export const sloSpecSchema = z
  .strictObject({
    service: name.describe('The service the objective is about (probes name their service)'),
    objective: percent,
    window: duration.default('30d').describe('The rolling window the objective holds over'),
    availability: z
      .strictObject({
        objective: percent.optional().describe("This indicator's objective, if not the SLO's"),
        probes: z
          .array(name)
          .min(1)
          .optional()
          .describe('Probes counted; every probe of the service by default'),
        sites: z.array(z.string().min(1).max(63)).min(1).optional().describe('Sites counted; all by default'),
      })
      .optional()
      .describe('Availability from probe results: good results / all results'),
    latency: z
      .strictObject({
        objective: percent.optional(),
        prometheus: z
          .url({ protocol: /^https?$/ })
          .optional()
          .describe('The Prometheus to ask; the server setting TANDEM_PROMETHEUS_URL by default'),
        query: z
          .string()
          .min(1)
          .max(4000)
          .describe('PromQL giving one series; $site, if used (site=~"$site"), becomes the site asked for'),
        threshold: z.number().describe('A slice is good when the query value is at most this'),
        step: duration.default('1m').describe('The length of a time slice'),
      })
      .optional()
      .describe('Latency from Prometheus: slices with the value at most the threshold / all slices'),
  })
  .superRefine((s, ctx) => {
    if (!s.availability && !s.latency)
      ctx.addIssue({ code: 'custom', path: [], message: 'an SLO measures availability, latency or both' });
    const w = parseDuration(s.window);
    if (w < MIN_WINDOW_MS || w > MAX_WINDOW_MS)
      ctx.addIssue({ code: 'custom', path: ['window'], message: 'between 1h and 400d' });
    if (s.latency) {
      const step = parseDuration(s.latency.step);
      if (step < MIN_STEP_MS || step > MAX_STEP_MS)
        ctx.addIssue({ code: 'custom', path: ['latency', 'step'], message: 'between 1s and 1d' });
    }
  });

export const sloDocumentSchema = z.strictObject({
  apiVersion: z.literal('tandem/v1'),
  kind: z.literal('SLO'),
  metadata: z.strictObject({
    name,
    title: z.string().max(200).optional(),
    description: z.string().max(2000).optional(),
    labels: z.record(z.string(), z.string()).optional(),
  }),
  spec: sloSpecSchema,
});
export type SloDocument = z.infer<typeof sloDocumentSchema>;

export interface AvailabilityIndicator {
  kind: 'availability';
  /** A fraction, 0.999 for 99.9 %. */
  objective: number;
  /** null: every probe of the service. */
  probes: string[] | null;
  /** null: every site. */
  sites: string[] | null;
}

export interface LatencyIndicator {
  kind: 'latency';
  objective: number;
  /** null: the server's configured Prometheus. */
  prometheus: string | null;
  query: string;
  threshold: number;
  stepMs: number;
}

export type Indicator = AvailabilityIndicator | LatencyIndicator;

/** An SLO as stored and evaluated. */
export interface Slo {
  name: string;
  title: string | null;
  description: string | null;
  labels: Record<string, string>;
  service: string;
  /** The objective the SLO states, a fraction. */
  objective: number;
  windowMs: number;
  /** As written (`30d`). */
  window: string;
  indicators: Indicator[];
}

/** Percent to a fraction without binary noise: 99.9 → 0.999 exactly as a double can say. */
const fraction = (p: number) => Number((p / 100).toPrecision(12));

export function sloOf(doc: SloDocument): Slo {
  const s = doc.spec;
  const indicators: Indicator[] = [];
  if (s.availability)
    indicators.push({
      kind: 'availability',
      objective: fraction(s.availability.objective ?? s.objective),
      probes: s.availability.probes ?? null,
      sites: s.availability.sites ?? null,
    });
  if (s.latency)
    indicators.push({
      kind: 'latency',
      objective: fraction(s.latency.objective ?? s.objective),
      prometheus: s.latency.prometheus ?? null,
      query: s.latency.query,
      threshold: s.latency.threshold,
      stepMs: parseDuration(s.latency.step),
    });
  return {
    name: doc.metadata.name,
    title: doc.metadata.title ?? null,
    description: doc.metadata.description ?? null,
    labels: doc.metadata.labels ?? {},
    service: s.service,
    objective: fraction(s.objective),
    windowMs: parseDuration(s.window),
    window: s.window,
    indicators,
  };
}
