import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { dingtalkSign, feishuSign, webhookSignature } from './signatures.ts';

// Expected values computed apart from this code (Python's hmac module) for fixed inputs.
const SECRET = 'SEC0123456789abcdef';

describe('webhook signatures', () => {
  it('signs DingTalk requests as base64 HMAC-SHA256 of "timestamp\\nsecret" keyed by the secret', () => {
    expect(dingtalkSign(SECRET, 1700000000123)).toBe('V9VP5gL2WDsEZvZQHnbd9k4n+p56ibcLMh+WKMZRQas=');
  });

  it('signs Feishu requests as base64 HMAC-SHA256 of nothing keyed by "timestamp\\nsecret"', () => {
    expect(feishuSign(SECRET, 1700000000)).toBe('PiO7POLlSx/DM2qf8Dy/XCWeJK3exVnevp5G99LEN2M=');
  });

  it('signs generic webhooks as sha256=hex HMAC of "timestamp.body"', () => {
    expect(webhookSignature('whsec', 1700000000, '{"topic":"run.failed"}')).toBe(
      'sha256=fc7dce44735728c5f95ba5edf05384fab0fcd73a35cf05d53523fd70fbf61a76',
    );
  });

  it('changes with the timestamp, the secret and the body', () => {
    const base = webhookSignature('k', 1, 'b');
    expect(webhookSignature('k', 2, 'b')).not.toBe(base);
    expect(webhookSignature('k2', 1, 'b')).not.toBe(base);
    expect(webhookSignature('k', 1, 'b ')).not.toBe(base);
    expect(feishuSign('k', 1)).not.toBe(feishuSign('k', 2));
    expect(dingtalkSign('k', 1)).toBe(createHmac('sha256', 'k').update('1\nk').digest('base64'));
  });
});
