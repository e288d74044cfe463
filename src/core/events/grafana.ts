/**
 * Grafana Alerting's webhook contact point payload, version 1: Alertmanager's shape plus `orgId`,
 * `state`, `title`, `message`, and per alert the query `values` and links to dashboards and
 * silences. Legacy (pre-8) Grafana alerts have another shape and are refused with the reason.
 */
import { z } from 'zod';
import { alertmanagerAlert, groupAlerts } from './alertmanager.ts';
import { labelMap, MAX_ALERTS_PER_PAYLOAD, parsePayload, type EventInput } from './input.ts';

const grafanaAlert = alertmanagerAlert.extend({
  values: z.record(z.string(), z.number().nullable()).nullable().optional(),
  valueString: z.string().max(16_384).optional(),
  silenceURL: z.string().max(8192).optional(),
  dashboardURL: z.string().max(8192).optional(),
  panelURL: z.string().max(8192).optional(),
  imageURL: z.string().max(8192).optional(),
});

export const grafanaPayload = z.object({
  version: z.literal('1', {
    error: 'only version "1" (Grafana Alerting) is understood; legacy dashboard alerts are not',
  }),
  orgId: z.number().int(),
  state: z.string().max(64),
  groupKey: z.string().max(16_384),
  truncatedAlerts: z.number().int().min(0).default(0),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string().max(1024),
  title: z.string().max(16_384).optional(),
  groupLabels: labelMap.default({}),
  commonLabels: labelMap.default({}),
  commonAnnotations: labelMap.default({}),
  externalURL: z.string().max(8192).default(''),
  alerts: z.array(grafanaAlert).max(MAX_ALERTS_PER_PAYLOAD),
});

/** The alerts of a Grafana webhook payload; a 400 with the field path when it is not one. */
export function parseGrafana(body: unknown): EventInput[] {
  const p = parsePayload('grafana', grafanaPayload, body);
  return groupAlerts(p, (i) => {
    const a = p.alerts[i]!;
    return {
      org_id: p.orgId,
      state: p.state,
      ...(a.values ? { values: a.values } : {}),
      ...(a.valueString ? { value_string: a.valueString } : {}),
      ...(a.dashboardURL ? { dashboard_url: a.dashboardURL } : {}),
      ...(a.panelURL ? { panel_url: a.panelURL } : {}),
      ...(a.silenceURL ? { silence_url: a.silenceURL } : {}),
      ...(a.imageURL ? { image_url: a.imageURL } : {}),
    };
  });
}
