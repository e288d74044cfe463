/**
 * Alertmanager's webhook payload, version 4 (prometheus/alertmanager `notify/webhook`): a group of
 * alerts with the group's key, labels and the Alertmanager's URL. Fields not listed are ignored,
 * as the format allows new ones. `endsAt` of `0001-01-01T00:00:00Z` means no end is known.
 */
import { z } from 'zod';
import {
  labelMap,
  labelsFingerprint,
  MAX_ALERTS_PER_PAYLOAD,
  parsePayload,
  rfc3339,
  summaryOf,
  timeOf,
  type EventInput,
} from './input.ts';
import { normalizeSeverity } from './severity.ts';

const status = z.enum(['firing', 'resolved']);

export const alertmanagerAlert = z.object({
  status,
  labels: labelMap,
  annotations: labelMap.default({}),
  startsAt: rfc3339,
  endsAt: rfc3339.optional(),
  generatorURL: z.string().max(8192).optional(),
  fingerprint: z.string().min(1).max(255).optional(),
});

export const alertmanagerPayload = z.object({
  version: z.literal('4', { error: 'only version "4" of the webhook payload is understood' }),
  groupKey: z.string().max(16_384),
  truncatedAlerts: z.number().int().min(0).default(0),
  status,
  receiver: z.string().max(1024),
  groupLabels: labelMap.default({}),
  commonLabels: labelMap.default({}),
  commonAnnotations: labelMap.default({}),
  externalURL: z.string().max(8192).default(''),
  alerts: z.array(alertmanagerAlert).max(MAX_ALERTS_PER_PAYLOAD),
});
export type AlertmanagerPayload = z.output<typeof alertmanagerPayload>;

/** The severity of an alert: its `severity` label, else `priority`. */
export function labelSeverity(labels: Record<string, string>) {
  return normalizeSeverity(labels.severity ?? labels.priority);
}

/** Each alert of an Alertmanager (or Grafana) group as an event input. */
export function groupAlerts(
  p: Pick<AlertmanagerPayload, 'groupKey' | 'receiver' | 'externalURL' | 'truncatedAlerts'> & {
    alerts: z.output<typeof alertmanagerAlert>[];
  },
  extra: (i: number) => Record<string, unknown> = () => ({}),
): EventInput[] {
  return p.alerts.map((a, i) => {
    const details: Record<string, unknown> = {
      receiver: p.receiver,
      ...(p.externalURL === '' ? {} : { external_url: p.externalURL }),
      ...(p.truncatedAlerts > 0 ? { truncated_alerts: p.truncatedAlerts } : {}),
      ...extra(i),
    };
    return {
      fingerprint: a.fingerprint ?? labelsFingerprint(a.labels),
      status: a.status,
      severity: labelSeverity(a.labels),
      summary: summaryOf(a.annotations, a.labels),
      description: a.annotations.description ?? null,
      labels: a.labels,
      annotations: a.annotations,
      details,
      groupKey: p.groupKey === '' ? null : p.groupKey,
      startsAt: timeOf(a.startsAt),
      endsAt: timeOf(a.endsAt),
      generatorUrl: a.generatorURL === undefined || a.generatorURL === '' ? null : a.generatorURL,
    };
  });
}

/** The alerts of an Alertmanager webhook payload; a 400 with the field path when it is not one. */
export function parseAlertmanager(body: unknown): EventInput[] {
  return groupAlerts(parsePayload('alertmanager', alertmanagerPayload, body));
}
