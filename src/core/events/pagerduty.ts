/**
 * PagerDuty Events API v2 (`POST /v2/enqueue`): one event per request, `trigger`, `acknowledge` or
 * `resolve` of the alert named by `dedup_key`. A trigger without a `dedup_key` gets a new one,
 * answered back as PagerDuty does. `routing_key` names the integration (here: the source).
 */
import { z } from 'zod';
import { clip, parsePayload, rfc3339, timeOf, type EventInput } from './input.ts';
import { severities, type EventStatus } from './model.ts';

export const pagerdutyEvent = z
  .object({
    routing_key: z.string().min(1).max(255),
    event_action: z.enum(['trigger', 'acknowledge', 'resolve']),
    dedup_key: z.string().min(1).max(255).optional(),
    payload: z
      .object({
        summary: z.string().min(1).max(16_384),
        source: z.string().min(1).max(255),
        severity: z.enum(severities),
        timestamp: rfc3339.optional(),
        component: z.string().max(255).optional(),
        group: z.string().max(255).optional(),
        class: z.string().max(255).optional(),
        custom_details: z.unknown().optional(),
      })
      .optional(),
    client: z.string().max(1024).optional(),
    client_url: z.string().max(8192).optional(),
    links: z
      .array(z.object({ href: z.string().max(8192), text: z.string().max(1024).optional() }))
      .optional(),
    images: z.array(z.object({ src: z.string().max(8192) }).loose()).optional(),
  })
  .superRefine((e, ctx) => {
    if (e.event_action === 'trigger' && e.payload === undefined)
      ctx.addIssue({ code: 'custom', path: ['payload'], message: 'a trigger needs a payload' });
    if (e.event_action !== 'trigger' && e.dedup_key === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['dedup_key'],
        message: `${e.event_action} needs the dedup_key of the alert`,
      });
  });
export type PagerdutyEvent = z.output<typeof pagerdutyEvent>;

const STATUS: Record<PagerdutyEvent['event_action'], EventStatus> = {
  trigger: 'firing',
  acknowledge: 'acknowledged',
  resolve: 'resolved',
};

/** custom_details' flat values (text, numbers, booleans) as labels; nested ones stay in details. */
function flatLabels(details: unknown): Record<string, string> {
  if (typeof details !== 'object' || details === null || Array.isArray(details)) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(details as Record<string, unknown>))
    if ((typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') && k.length <= 128)
      out[k] = String(v).slice(0, 1024);
  return out;
}

/** Parse an Events API v2 body; `newKey` makes the dedup_key of a trigger that has none. */
export function parsePagerduty(
  body: unknown,
  newKey: () => string,
): { input: EventInput; routingKey: string } {
  const e = parsePayload('pagerduty', pagerdutyEvent, body);
  const p = e.payload;
  const labels: Record<string, string> = {
    ...flatLabels(p?.custom_details),
    ...(p ? { source: p.source } : {}),
    ...(p?.component ? { component: p.component } : {}),
    ...(p?.group ? { group: p.group } : {}),
    ...(p?.class ? { class: p.class } : {}),
    ...(p ? { severity: p.severity } : {}),
  };
  const details: Record<string, unknown> = {
    ...(p?.custom_details === undefined ? {} : { custom_details: p.custom_details }),
    ...(e.client ? { client: e.client } : {}),
    ...(e.links ? { links: e.links } : {}),
  };
  const startsAt = timeOf(p?.timestamp);
  return {
    routingKey: e.routing_key,
    input: {
      fingerprint: e.dedup_key ?? newKey(),
      status: STATUS[e.event_action],
      // Acknowledge and resolve carry no payload: the alert keeps the severity it had.
      severity: p?.severity ?? 'info',
      summary: p ? clip(p.summary) : `${e.event_action} ${e.dedup_key ?? ''}`.trim(),
      description: null,
      labels,
      annotations: {},
      details: Object.keys(details).length > 0 ? details : null,
      groupKey: null,
      startsAt,
      endsAt: null,
      generatorUrl: e.client_url ?? null,
    },
  };
}
