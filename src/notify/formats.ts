/**
 * Each webhook service's incoming-message format, as a request to POST: Slack (`text` plus Block
 * Kit blocks), DingTalk (`msgtype: markdown`), Feishu/Lark (`msg_type: interactive`, a card),
 * WeCom (`msgtype: markdown`) and Tandem's own JSON for generic webhooks. Pure: the time of the
 * signature comes in as a value.
 */
import type {
  DingtalkConfig,
  FeishuConfig,
  SlackConfig,
  WebhookConfig,
  WecomConfig,
} from './channel-config.ts';
import type { Message } from './message.ts';
import { dingtalkSign, feishuSign, webhookSignature } from './signatures.ts';
import type { NotificationPayload } from './topics.ts';

export interface HttpRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

const JSON_TYPE = { 'content-type': 'application/json; charset=utf-8' };

/** At most `max` characters, with an ellipsis when cut. */
export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** `&`, `<` and `>` as entities: markup (`<!channel>`, `<at id=all>`) in user text must not ping anyone. */
export const escapeMarkup = (s: string) =>
  s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

/** Markdown lines of the fields, `- **Label**: value`. */
const markdownFields = (m: Message, esc: (s: string) => string = (s) => s) =>
  m.fields.map((f) => `- **${f.label}**: ${esc(f.value)}`).join('\n');

export function slackRequest(c: SlackConfig, m: Message): HttpRequest {
  const blocks: unknown[] = [
    { type: 'header', text: { type: 'plain_text', text: clip(m.title, 150), emoji: true } },
  ];
  if (m.body)
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(escapeMarkup(m.body), 3000) } });
  if (m.fields.length > 0)
    blocks.push({
      type: 'section',
      fields: m.fields.slice(0, 10).map((f) => ({
        type: 'mrkdwn',
        text: clip(`*${f.label}*\n${escapeMarkup(f.value)}`, 2000),
      })),
    });
  blocks.push({
    type: 'actions',
    elements: [
      {
        type: 'button',
        text: { type: 'plain_text', text: m.link.label },
        url: m.link.url,
        ...(m.tone === 'danger' || m.tone === 'warning' ? { style: 'primary' } : {}),
      },
    ],
  });
  // `text` is what notifications and clients without blocks show.
  const text = `${escapeMarkup(m.title)}: <${m.link.url}|${m.link.label}>`;
  return { url: c.url, headers: { ...JSON_TYPE }, body: JSON.stringify({ text, blocks }) };
}

export function dingtalkRequest(c: DingtalkConfig, m: Message, nowMs: number): HttpRequest {
  const url = new URL(c.url);
  if (c.secret !== undefined) {
    url.searchParams.set('timestamp', String(nowMs));
    url.searchParams.set('sign', dingtalkSign(c.secret, nowMs));
  }
  const parts = [`### ${m.title}`];
  if (m.body)
    parts.push(
      clip(m.body, 3000)
        .split('\n')
        .map((l) => `> ${l}`)
        .join('\n'),
    );
  if (m.fields.length > 0) parts.push(markdownFields(m));
  parts.push(`[${m.link.label}](${m.link.url})`);
  const body = {
    msgtype: 'markdown',
    markdown: { title: clip(m.title, 100), text: parts.join('\n\n') },
  };
  return { url: url.toString(), headers: { ...JSON_TYPE }, body: JSON.stringify(body) };
}

const FEISHU_TEMPLATE: Record<Message['tone'], string> = {
  info: 'blue',
  warning: 'orange',
  danger: 'red',
  success: 'green',
};

export function feishuRequest(c: FeishuConfig, m: Message, nowMs: number): HttpRequest {
  const parts: string[] = [];
  if (m.body) parts.push(escapeMarkup(clip(m.body, 6000)));
  if (m.fields.length > 0) parts.push(markdownFields(m, escapeMarkup));
  const card = {
    config: { wide_screen_mode: true },
    header: { title: { tag: 'plain_text', content: clip(m.title, 200) }, template: FEISHU_TEMPLATE[m.tone] },
    elements: [
      ...(parts.length > 0 ? [{ tag: 'div', text: { tag: 'lark_md', content: parts.join('\n\n') } }] : []),
      {
        tag: 'action',
        actions: [
          {
            tag: 'button',
            text: { tag: 'plain_text', content: m.link.label },
            url: m.link.url,
            type: 'primary',
          },
        ],
      },
    ],
  };
  let signed = {};
  if (c.secret !== undefined) {
    const ts = Math.floor(nowMs / 1000);
    signed = { timestamp: String(ts), sign: feishuSign(c.secret, ts) };
  }
  return {
    url: c.url,
    headers: { ...JSON_TYPE },
    body: JSON.stringify({ ...signed, msg_type: 'interactive', card }),
  };
}

/** WeCom markdown: 4096 bytes at most; `<@userid>` and `<font>` are markup, so user text is escaped. */
const WECOM_MAX_BYTES = 4096;

export function wecomRequest(c: WecomConfig, m: Message): HttpRequest {
  const color = m.tone === 'danger' ? 'warning' : m.tone === 'success' ? 'info' : 'comment';
  const head = `**<font color="${color}">${escapeMarkup(m.title)}</font>**`;
  const tail = [
    ...m.fields.map((f) => `> ${f.label}: <font color="comment">${escapeMarkup(f.value)}</font>`),
    `[${m.link.label}](${m.link.url})`,
  ];
  const compose = (body: string) =>
    [head, ...(body ? body.split('\n').map((l) => `> ${escapeMarkup(l)}`) : []), ...tail].join('\n');
  // Bytes, not characters (Chinese takes 3 bytes a character): the body is cut, the link kept.
  let body = m.body ?? '';
  while (body !== '' && Buffer.byteLength(compose(body), 'utf8') > WECOM_MAX_BYTES)
    body = body.length < 20 ? '' : clip(body, Math.floor(body.length * 0.8));
  return {
    url: c.url,
    headers: { ...JSON_TYPE },
    body: JSON.stringify({ msgtype: 'markdown', markdown: { content: compose(body) } }),
  };
}

/**
 * Tandem's JSON: the topic, the message in words and the payload as recorded. Receivers should
 * deduplicate on `delivery` (delivery is at least once) and check `X-Tandem-Signature`.
 */
export function webhookRequest(
  c: WebhookConfig,
  m: Message,
  p: NotificationPayload,
  o: { deliveryId: number | null; nowMs: number },
): HttpRequest {
  const body = JSON.stringify({
    delivery: o.deliveryId,
    topic: m.topic,
    title: m.title,
    text: m.body,
    link: m.link.url,
    run: p.run ?? null,
    task: p.task ?? null,
    comment: p.comment ?? null,
    sent_at: new Date(o.nowMs).toISOString(),
  });
  const ts = Math.floor(o.nowMs / 1000);
  const headers: Record<string, string> = {
    ...Object.fromEntries(Object.entries(c.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
    ...JSON_TYPE,
    'x-tandem-topic': m.topic,
    'x-tandem-timestamp': String(ts),
  };
  if (o.deliveryId !== null) headers['x-tandem-delivery'] = String(o.deliveryId);
  if (c.secret !== undefined) headers['x-tandem-signature'] = webhookSignature(c.secret, ts, body);
  return { url: c.url, headers, body };
}
