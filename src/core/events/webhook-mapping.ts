/**
 * The generic JSON webhook: a source's mapping says, in CEL, where each field of an event is in
 * the sender's body. Expressions see `body` (the whole JSON body) and `alert` (the current item
 * of `alerts`, or the body itself when `alerts` is not set). For example, for a sender posting
 * `{"checks": [{"id": "c1", "state": "down", "host": "web-1", "text": "…"}]}`:
 *
 * ```json
 * { "alerts": "body.checks", "fingerprint": "alert.id",
 *   "status": "alert.state == 'down' ? 'firing' : 'resolved'",
 *   "summary": "alert.text", "labels": "{'host': alert.host}" }
 * ```
 */
import { z } from 'zod';
import { TandemError } from '../errors.ts';
import { compileExpression, ExpressionError } from '../expr/index.ts';
import { clip, MAX_ALERTS_PER_PAYLOAD, type EventInput } from './input.ts';
import type { EventStatus } from './model.ts';
import { normalizeSeverity } from './severity.ts';

const expression = z
  .string()
  .min(1)
  .max(4096)
  .superRefine((src, ctx) => {
    try {
      compileExpression(src);
    } catch (err: unknown) {
      ctx.addIssue({ code: 'custom', message: err instanceof Error ? err.message : String(err) });
    }
  });

export const webhookMappingSchema = z.strictObject({
  alerts: expression.optional().describe('The list of alerts in the body; without it the body is one alert'),
  fingerprint: expression.describe('The alert’s stable identity (text)'),
  status: expression
    .optional()
    .describe('firing, resolved or acknowledged (or ok, alerting, trigger…); default firing'),
  severity: expression.optional().describe('critical, error, warning, info (or high, p1…); default warning'),
  summary: expression,
  description: expression.optional(),
  labels: expression.optional().describe('A map of text: resource matching looks at these'),
  annotations: expression.optional(),
  group_key: expression.optional(),
  starts_at: expression.optional().describe('RFC 3339 text, or seconds (or milliseconds) since 1970'),
  ends_at: expression.optional(),
  generator_url: expression.optional(),
});
export type WebhookMapping = z.output<typeof webhookMappingSchema>;

const STATUS_WORDS: Readonly<Record<string, EventStatus>> = {
  firing: 'firing',
  fire: 'firing',
  trigger: 'firing',
  triggered: 'firing',
  alerting: 'firing',
  problem: 'firing',
  open: 'firing',
  active: 'firing',
  down: 'firing',
  critical: 'firing',
  resolved: 'resolved',
  resolve: 'resolved',
  ok: 'resolved',
  closed: 'resolved',
  recovered: 'resolved',
  normal: 'resolved',
  inactive: 'resolved',
  up: 'resolved',
  acknowledged: 'acknowledged',
  acknowledge: 'acknowledged',
  ack: 'acknowledged',
};

/** A mapped field that is not what it must be: the 400 says which alert, which field and why. */
function fieldError(index: number, field: string, message: string): TandemError {
  const path = `alerts.${index}.${field}`;
  return new TandemError(
    'invalid_input',
    `not a valid webhook payload for this source: ${path}: ${message}`,
    {
      details: [{ path, message }],
    },
  );
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

function textMap(value: unknown): Record<string, string> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const t = text(v);
    if (t !== undefined) out[k] = t.slice(0, 16_384);
  }
  return out;
}

function timeValue(value: unknown): number | null | undefined {
  if (value === null || value === '') return null;
  if (typeof value === 'number') return value < 1e12 ? Math.round(value * 1000) : Math.round(value);
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : ms <= 0 ? null : ms;
  }
  return undefined;
}

/** The alerts of `body` as `mapping` finds them; a 400 naming the alert and field otherwise. */
export function applyWebhookMapping(mapping: WebhookMapping, body: unknown): EventInput[] {
  let items: unknown[];
  if (mapping.alerts === undefined) items = [body];
  else {
    const list = evaluate(mapping.alerts, { body, alert: body }, -1, 'alerts');
    if (!Array.isArray(list)) throw fieldError(0, 'alerts', 'the mapping did not give a list');
    items = list;
  }
  if (items.length > MAX_ALERTS_PER_PAYLOAD)
    throw fieldError(0, 'alerts', `at most ${MAX_ALERTS_PER_PAYLOAD} alerts per request`);
  return items.map((alert, i) => mapOne(mapping, { body, alert }, i));
}

function evaluate(
  src: string,
  ctx: { body: unknown; alert: unknown },
  index: number,
  field: string,
): unknown {
  try {
    return compileExpression(src).evaluate(ctx);
  } catch (err: unknown) {
    if (err instanceof ExpressionError || err instanceof TandemError)
      throw index < 0
        ? new TandemError(
            'invalid_input',
            `not a valid webhook payload for this source: ${field}: ${err.message}`,
            {
              details: [{ path: field, message: err.message }],
            },
          )
        : fieldError(index, field, err.message);
    throw err;
  }
}

function mapOne(m: WebhookMapping, ctx: { body: unknown; alert: unknown }, i: number): EventInput {
  const field = (name: keyof WebhookMapping) => {
    const src = m[name];
    return src === undefined ? undefined : evaluate(src, ctx, i, name);
  };
  const fingerprint = text(field('fingerprint'));
  if (fingerprint === undefined || fingerprint === '' || fingerprint.length > 255)
    throw fieldError(i, 'fingerprint', 'the mapping must give a text of 1 to 255 characters');
  const statusText = m.status === undefined ? 'firing' : text(field('status'));
  const status = statusText === undefined ? undefined : STATUS_WORDS[statusText.trim().toLowerCase()];
  if (status === undefined)
    throw fieldError(i, 'status', `"${String(statusText)}" is not firing, resolved or acknowledged`);
  const summary = text(field('summary'));
  if (summary === undefined || summary === '') throw fieldError(i, 'summary', 'the mapping must give a text');
  const labels = m.labels === undefined ? {} : textMap(field('labels'));
  if (labels === undefined) throw fieldError(i, 'labels', 'the mapping must give a map');
  const annotations = m.annotations === undefined ? {} : textMap(field('annotations'));
  if (annotations === undefined) throw fieldError(i, 'annotations', 'the mapping must give a map');
  const time = (name: 'starts_at' | 'ends_at') => {
    if (m[name] === undefined) return null;
    const t = timeValue(field(name));
    if (t === undefined) throw fieldError(i, name, 'the mapping must give an RFC 3339 time or a number');
    return t;
  };
  const description = m.description === undefined ? undefined : text(field('description'));
  const groupKey = m.group_key === undefined ? undefined : text(field('group_key'));
  const url = m.generator_url === undefined ? undefined : text(field('generator_url'));
  return {
    fingerprint,
    status,
    severity: normalizeSeverity(m.severity === undefined ? undefined : field('severity')),
    summary: clip(summary),
    description: description ?? null,
    labels,
    annotations,
    details: null,
    groupKey: groupKey === undefined || groupKey === '' ? null : groupKey,
    startsAt: time('starts_at'),
    endsAt: time('ends_at'),
    generatorUrl: url === undefined || url === '' ? null : url,
  };
}
