/**
 * Channel kinds and their settings. Settings hold credentials (a webhook URL is one; so are
 * signing secrets and SMTP passwords), so they are sealed in the store and never answered: what
 * may be shown is `maskedTarget`, the host a channel posts to.
 */
import { z } from 'zod';
import { TandemError } from '../core/errors.ts';

export const CHANNEL_KINDS = ['slack', 'dingtalk', 'feishu', 'wecom', 'webhook', 'email'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

const httpUrl = z
  .url({ protocol: /^https?$/, error: 'an http:// or https:// URL' })
  .max(2048)
  .describe('The incoming-webhook URL (a credential: never shown back)');
const signingSecret = z.string().min(1).max(1024).describe('The signing secret (never shown back)');

export const slackConfig = z.strictObject({ url: httpUrl });
/** DingTalk's custom robot: with "加签" set, requests carry `timestamp` and `sign` query parameters. */
export const dingtalkConfig = z.strictObject({ url: httpUrl, secret: signingSecret.optional() });
/** Feishu/Lark's custom bot: with "签名校验" set, the body carries `timestamp` and `sign`. */
export const feishuConfig = z.strictObject({ url: httpUrl, secret: signingSecret.optional() });
export const wecomConfig = z.strictObject({ url: httpUrl });
/** Any HTTP endpoint: the JSON payload, HMAC-signed when `secret` is set. */
export const webhookConfig = z.strictObject({
  url: httpUrl,
  secret: signingSecret.optional(),
  headers: z
    .record(z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'a header name'), z.string().max(4096))
    .optional()
    .describe('Extra request headers (an Authorization header, say)'),
});
const address = z.string().min(3).max(320).regex(/@/, 'an e-mail address');
export const emailConfig = z.strictObject({
  host: z.string().min(1).max(255),
  port: z.number().int().min(1).max(65_535).default(587),
  /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
  secure: z.boolean().default(false),
  user: z.string().min(1).max(320).optional(),
  password: z.string().min(1).max(1024).optional(),
  from: address.describe('The sender, e.g. "Tandem <tandem@example.com>"'),
  to: z.array(z.email()).min(1).max(100),
});

export type SlackConfig = z.infer<typeof slackConfig>;
export type DingtalkConfig = z.infer<typeof dingtalkConfig>;
export type FeishuConfig = z.infer<typeof feishuConfig>;
export type WecomConfig = z.infer<typeof wecomConfig>;
export type WebhookConfig = z.infer<typeof webhookConfig>;
export type EmailConfig = z.infer<typeof emailConfig>;

/** A channel's kind with its validated settings. */
export type ChannelConfig =
  | { kind: 'slack'; config: SlackConfig }
  | { kind: 'dingtalk'; config: DingtalkConfig }
  | { kind: 'feishu'; config: FeishuConfig }
  | { kind: 'wecom'; config: WecomConfig }
  | { kind: 'webhook'; config: WebhookConfig }
  | { kind: 'email'; config: EmailConfig };

const SCHEMAS: Record<ChannelKind, z.ZodType> = {
  slack: slackConfig,
  dingtalk: dingtalkConfig,
  feishu: feishuConfig,
  wecom: wecomConfig,
  webhook: webhookConfig,
  email: emailConfig,
};

export const isChannelKind = (s: string): s is ChannelKind =>
  (CHANNEL_KINDS as readonly string[]).includes(s);

/** Validate `raw` as the settings of `kind`; problems name the field as `config.<field>`. */
export function parseChannelConfig(kind: ChannelKind, raw: unknown): ChannelConfig {
  const parsed = SCHEMAS[kind].safeParse(raw);
  if (!parsed.success) {
    throw new TandemError('invalid_input', `invalid ${kind} channel settings`, {
      details: parsed.error.issues.map((i) => ({
        path: ['config', ...i.path.map(String)].join('.'),
        message: i.message,
      })),
    });
  }
  return { kind, config: parsed.data } as ChannelConfig;
}

/** What may be shown of where a channel sends: the host (and port), never the path or the token. */
export function maskedTarget(c: ChannelConfig): string {
  if (c.kind === 'email') {
    const n = c.config.to.length;
    return `smtp://${c.config.host}:${c.config.port} (${n} recipient${n === 1 ? '' : 's'})`;
  }
  const u = new URL(c.config.url);
  return `${u.protocol}//${u.host}/…`;
}
