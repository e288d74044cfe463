/**
 * Sending one message through one channel, now: build the service's request, POST it with a
 * timeout, and read the answer the way the service reports errors (DingTalk and WeCom answer 200
 * with an `errcode`, Feishu with a `code`). Errors never quote the URL: it holds the token.
 */
import { assertNever } from '../core/errors.ts';
import type { ChannelConfig } from './channel-config.ts';
import { DeliveryError } from './delivery-error.ts';
import { sendEmail } from './email.ts';
import {
  clip,
  dingtalkRequest,
  feishuRequest,
  slackRequest,
  webhookRequest,
  wecomRequest,
  type HttpRequest,
} from './formats.ts';
import type { Message } from './message.ts';
import type { NotificationPayload } from './topics.ts';

/** 10 s: chat webhooks answer in well under a second; a stuck one must not hold the sender. */
export const SEND_TIMEOUT_MS = 10_000;

export interface SendOptions {
  fetch: typeof fetch;
  now: () => number;
  timeoutMs: number;
  /** The outbox row (sent to generic webhooks so receivers can deduplicate); null for a test. */
  deliveryId: number | null;
  /** Aborted when the sender stops. */
  signal?: AbortSignal;
}

/** Deliver `m` (about `p`) through `c`; throws a `DeliveryError` saying why it failed. */
export async function sendMessage(
  c: ChannelConfig,
  m: Message,
  p: NotificationPayload,
  o: SendOptions,
): Promise<void> {
  switch (c.kind) {
    case 'slack':
      return post(slackRequest(c.config, m), o, 'slack');
    case 'dingtalk':
      return post(dingtalkRequest(c.config, m, o.now()), o, 'dingtalk');
    case 'feishu':
      return post(feishuRequest(c.config, m, o.now()), o, 'feishu');
    case 'wecom':
      return post(wecomRequest(c.config, m), o, 'wecom');
    case 'webhook':
      return post(webhookRequest(c.config, m, p, { deliveryId: o.deliveryId, nowMs: o.now() }), o, 'webhook');
    case 'email':
      return sendEmail(c.config, m, o.timeoutMs);
    default:
      return assertNever(c, 'channel kind');
  }
}

type HttpKind = 'slack' | 'dingtalk' | 'feishu' | 'wecom' | 'webhook';

function describeFailure(err: unknown, o: SendOptions): string {
  if (o.signal?.aborted) return 'the server stopped before the answer came';
  const e = err as { name?: string; cause?: { code?: unknown; message?: unknown } };
  if (e.name === 'TimeoutError') return `no answer within ${o.timeoutMs / 1000} s`;
  const cause = e.cause;
  if (cause && typeof cause.message === 'string') return `cannot connect: ${cause.message}`;
  if (cause && typeof cause.code === 'string') return `cannot connect: ${cause.code}`;
  return `cannot connect: ${err instanceof Error ? err.message : String(err)}`;
}

async function post(req: HttpRequest, o: SendOptions, kind: HttpKind): Promise<void> {
  const signal = o.signal
    ? AbortSignal.any([AbortSignal.timeout(o.timeoutMs), o.signal])
    : AbortSignal.timeout(o.timeoutMs);
  let res: Response;
  let text: string;
  try {
    // Redirects are not followed: a POST turned into a GET elsewhere is not a delivery.
    res = await o.fetch(req.url, {
      method: 'POST',
      headers: req.headers,
      body: req.body,
      signal,
      redirect: 'manual',
    });
    text = await res.text();
  } catch (err: unknown) {
    throw new DeliveryError(describeFailure(err, o), true);
  }
  const snippet = clip(text.trim().replaceAll(/\s+/g, ' '), 300);
  if (res.status < 200 || res.status > 299) {
    // 408, 429 and 5xx may pass later; other answers (404 for a deleted hook, 403) will not.
    const retryable = res.status >= 500 || res.status === 408 || res.status === 429;
    throw new DeliveryError(`HTTP ${res.status}${snippet ? `: ${snippet}` : ''}`, retryable);
  }
  const problem = serviceError(kind, text);
  if (problem !== undefined) throw new DeliveryError(`${kind} refused the message: ${problem}`, true);
}

/** The error a service reports in a 200 answer, if any. */
export function serviceError(kind: HttpKind, text: string): string | undefined {
  if (kind === 'slack' || kind === 'webhook') return undefined;
  let answer: Record<string, unknown>;
  try {
    answer = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return `an answer that is not JSON: ${clip(text, 200)}`;
  }
  if (kind === 'feishu') {
    const code = answer.code ?? answer.StatusCode;
    return code === 0 || code === undefined
      ? undefined
      : `code ${shown(code)}: ${shown(answer.msg ?? answer.StatusMessage)}`;
  }
  const code = answer.errcode;
  return code === 0 || code === undefined ? undefined : `errcode ${shown(code)}: ${shown(answer.errmsg)}`;
}

const shown = (v: unknown): string =>
  v === undefined || v === null ? '' : typeof v === 'string' ? v : clip(JSON.stringify(v), 200);
