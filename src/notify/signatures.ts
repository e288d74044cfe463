/** The request signatures of signed webhooks, each as its service documents it. */
import { createHmac } from 'node:crypto';

/**
 * DingTalk custom robot ("加签"): base64(HMAC-SHA256(key = secret, message = timestamp + "\n" +
 * secret)), with the timestamp in milliseconds; both go in the query (`timestamp`, `sign`).
 */
export function dingtalkSign(secret: string, timestampMs: number): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`).digest('base64');
}

/**
 * Feishu/Lark custom bot ("签名校验"): base64(HMAC-SHA256(key = timestamp + "\n" + secret,
 * message = empty)), with the timestamp in seconds; both go in the JSON body.
 */
export function feishuSign(secret: string, timestampSec: number): string {
  return createHmac('sha256', `${timestampSec}\n${secret}`).update('').digest('base64');
}

/**
 * Tandem's generic webhook: `sha256=` and the hex HMAC-SHA256 of `<timestamp>.<body>` with the
 * channel's secret (timestamp in seconds, also sent as `X-Tandem-Timestamp`), so a receiver can
 * check both the body and its age.
 */
export function webhookSignature(secret: string, timestampSec: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestampSec}.${body}`).digest('hex')}`;
}
