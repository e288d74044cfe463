/**
 * What a sender's payload says about one alert, read and normalised but not yet placed: the shell
 * adds the event id, the source, the time received, and the resource and site found in the estate.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { TandemError, type ErrorDetail } from '../errors.ts';
import type { EventStatus, Severity } from './model.ts';

export interface EventInput {
  fingerprint: string;
  status: EventStatus;
  severity: Severity;
  summary: string;
  description: string | null;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** What else the sender said worth keeping: Grafana's values, PagerDuty's custom_details… */
  details: Record<string, unknown> | null;
  groupKey: string | null;
  /** null: the sender gave no start; the time received stands for it. */
  startsAt: number | null;
  /** null: no end known. */
  endsAt: number | null;
  generatorUrl: string | null;
}

/** The sender formats Tandem reads. */
export type PayloadFormat = 'alertmanager' | 'grafana' | 'pagerduty' | 'webhook';

/** Most alerts one request may carry: 1 MiB of body holds about this many small ones. */
export const MAX_ALERTS_PER_PAYLOAD = 5000;
/** Summaries longer than this are cut (PagerDuty's own limit is 1024). */
export const MAX_SUMMARY = 1024;

export const labelMap = z.record(z.string().max(1024), z.string().max(16_384));

/** A 400 naming the format, each offending field by its path, and why. */
export function payloadError(format: PayloadFormat, issues: z.ZodError['issues']): TandemError {
  const details: ErrorDetail[] = issues.slice(0, 20).map((i) => ({
    path: i.path.map(String).join('.') || '(body)',
    message: i.message,
  }));
  const summary = details
    .slice(0, 5)
    .map((d) => `${d.path}: ${d.message}`)
    .join('; ');
  return new TandemError('invalid_input', `not a valid ${format} payload: ${summary}`, { details });
}

/** Parse `body` with `schema`, or throw the 400 that says where it is wrong. */
export function parsePayload<T>(format: PayloadFormat, schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw payloadError(format, parsed.error.issues);
  return parsed.data;
}

/** Go's zero time, which Alertmanager and Grafana send for "no end". */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

/** An RFC 3339 time (fractions of any length), as text the schema checks. */
export const rfc3339 = z
  .string()
  .max(64)
  .refine((s) => !Number.isNaN(Date.parse(s)), 'an RFC 3339 time, e.g. 2026-11-25T10:00:00Z');

/** Milliseconds of an RFC 3339 time; null for Go's zero time or anything before 1970. */
export function timeOf(text: string | undefined): number | null {
  if (text === undefined || text === '' || text === GO_ZERO_TIME) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) || ms <= 0 ? null : ms;
}

/** A fingerprint from labels when the sender gave none: sha256 of the sorted pairs, 16 hex digits. */
export function labelsFingerprint(labels: Record<string, string>): string {
  const canonical = JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

/** `text` cut to `max` characters, with an ellipsis when cut. */
export function clip(text: string, max = MAX_SUMMARY): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The summary of an alert from its annotations and labels, in the order monitoring tools use. */
export function summaryOf(annotations: Record<string, string>, labels: Record<string, string>): string {
  const text =
    annotations.summary ??
    annotations.message ??
    annotations.title ??
    annotations.description ??
    labels.alertname ??
    'alert';
  return clip(text);
}
