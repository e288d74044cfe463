import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { dingtalkRequest, feishuRequest, slackRequest, webhookRequest, wecomRequest } from './formats.ts';
import { buildMessage } from './message.ts';
import type { NotificationPayload } from './topics.ts';

const NOW = Date.UTC(2026, 4, 1, 12, 0, 0, 250);
const payload: NotificationPayload = {
  run: {
    id: 'run-42',
    runbook: 'db-failover',
    version: 3,
    title: 'Fail a database over',
    status: 'waiting',
    error: null,
    createdBy: 'alice',
    labels: { team: 'dba' },
  },
  task: {
    id: 'task-7',
    kind: 'approval',
    step: 'approve',
    title: 'Promote the standby? <!channel> & <at user_id="all">',
    message: 'Promote the standby? <!channel> & <at user_id="all">',
    assignees: { team: 'dba' },
    deadline: Date.UTC(2026, 4, 1, 12, 30),
  },
  path: '/tasks/task-7',
};
const message = buildMessage('task.created', payload, 'https://tandem.example.com/');
const LINK = 'https://tandem.example.com/tasks/task-7';

const hmac = (key: string, data: string, enc: 'base64' | 'hex') =>
  createHmac('sha256', key).update(data).digest(enc);

describe('the message', () => {
  it('names the run, the step, who may act, the deadline and links to the decision', () => {
    expect(message.title).toBe('Approval needed: Fail a database over (step approve)');
    expect(message.link).toEqual({ label: 'Decide', url: LINK });
    expect(message.fields).toEqual([
      { label: 'Runbook', value: 'db-failover v3' },
      { label: 'Run', value: 'run-42' },
      { label: 'Started by', value: 'alice' },
      { label: 'Step', value: 'approve' },
      { label: 'Who may act', value: 'team dba' },
      { label: 'Deadline', value: '2026-05-01 12:30 UTC' },
    ]);
  });

  it('says why a run failed and links to the run', () => {
    const failed = buildMessage(
      'run.failed',
      { run: { id: 'r1', runbook: 'deploy', error: 'step build failed: exit 2' }, path: '/runs/r1' },
      'http://127.0.0.1:7300',
    );
    expect(failed).toMatchObject({
      title: 'Run failed: deploy',
      body: 'step build failed: exit 2',
      link: { url: 'http://127.0.0.1:7300/runs/r1' },
      tone: 'danger',
    });
  });
});

describe('the incoming-webhook formats', () => {
  it('posts Slack a text fallback and blocks, with user text unable to ping the channel', () => {
    const req = slackRequest({ url: 'https://hooks.slack.com/services/T/B/X' }, message);
    expect(req.url).toBe('https://hooks.slack.com/services/T/B/X');
    const body = JSON.parse(req.body);
    expect(body.text).toBe(`Approval needed: Fail a database over (step approve): <${LINK}|Decide>`);
    expect(body.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: message.title, emoji: true },
    });
    expect(body.blocks[1].text.type).toBe('mrkdwn');
    expect(body.blocks[1].text.text).toContain('&lt;!channel&gt; &amp;');
    expect(req.body).not.toContain('<!channel>');
    expect(body.blocks.at(-1)).toMatchObject({
      type: 'actions',
      elements: [{ type: 'button', url: LINK, text: { type: 'plain_text', text: 'Decide' } }],
    });
  });

  it('posts DingTalk markdown, signed in the query with a millisecond timestamp', () => {
    const secret = 'SECabc';
    const req = dingtalkRequest(
      { url: 'https://oapi.dingtalk.com/robot/send?access_token=tok', secret },
      message,
      NOW,
    );
    const url = new URL(req.url);
    expect(url.searchParams.get('access_token')).toBe('tok');
    expect(url.searchParams.get('timestamp')).toBe(String(NOW));
    expect(url.searchParams.get('sign')).toBe(hmac(secret, `${NOW}\n${secret}`, 'base64'));
    const body = JSON.parse(req.body);
    expect(body.msgtype).toBe('markdown');
    expect(body.markdown.title).toBe(message.title);
    expect(body.markdown.text).toContain(`[Decide](${LINK})`);
    expect(body.markdown.text).toContain('- **Who may act**: team dba');
  });

  it('leaves an unsigned DingTalk URL as it is', () => {
    const req = dingtalkRequest(
      { url: 'https://oapi.dingtalk.com/robot/send?access_token=tok' },
      message,
      NOW,
    );
    expect(req.url).toBe('https://oapi.dingtalk.com/robot/send?access_token=tok');
  });

  it('posts Feishu an interactive card, signed in the body with a timestamp in seconds', () => {
    const secret = 'feishu-secret';
    const req = feishuRequest(
      { url: 'https://open.feishu.cn/open-apis/bot/v2/hook/x', secret },
      message,
      NOW,
    );
    const body = JSON.parse(req.body);
    const ts = Math.floor(NOW / 1000);
    expect(body.timestamp).toBe(String(ts));
    expect(body.sign).toBe(createHmac('sha256', `${ts}\n${secret}`).digest('base64'));
    expect(body.msg_type).toBe('interactive');
    expect(body.card.header).toEqual({
      title: { tag: 'plain_text', content: message.title },
      template: 'orange',
    });
    expect(body.card.elements[0].text.tag).toBe('lark_md');
    expect(body.card.elements[0].text.content).not.toContain('<at user_id="all">');
    expect(body.card.elements[1]).toEqual({
      tag: 'action',
      actions: [
        { tag: 'button', text: { tag: 'plain_text', content: 'Decide' }, url: LINK, type: 'primary' },
      ],
    });
    const unsigned = JSON.parse(feishuRequest({ url: 'https://open.feishu.cn/x' }, message, NOW).body);
    expect(unsigned.sign).toBeUndefined();
    expect(unsigned.timestamp).toBeUndefined();
  });

  it('posts WeCom markdown of at most 4096 bytes, even of long Chinese text', () => {
    const long = buildMessage(
      'run.failed',
      { run: { id: 'r', runbook: 'rb', error: '数据库故障'.repeat(2000) }, path: '/runs/r' },
      'https://t.example',
    );
    const req = wecomRequest({ url: 'https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k' }, long);
    const body = JSON.parse(req.body);
    expect(body.msgtype).toBe('markdown');
    expect(Buffer.byteLength(body.markdown.content, 'utf8')).toBeLessThanOrEqual(4096);
    expect(body.markdown.content).toMatch(/\[Open the run\]\(https:\/\/t\.example\/runs\/r\)$/);
    expect(body.markdown.content).toContain('数据库故障');
    const short = JSON.parse(wecomRequest({ url: 'https://q/x' }, message).body);
    expect(short.markdown.content).toContain(`[Decide](${LINK})`);
    expect(short.markdown.content).not.toContain('<at user_id');
  });

  it('posts generic webhooks the JSON payload with an HMAC over "timestamp.body"', () => {
    const req = webhookRequest(
      { url: 'https://hooks.example.com/tandem', secret: 'whsec', headers: { Authorization: 'Bearer x' } },
      message,
      payload,
      { deliveryId: 99, nowMs: NOW },
    );
    const ts = String(Math.floor(NOW / 1000));
    expect(req.headers['x-tandem-timestamp']).toBe(ts);
    expect(req.headers['x-tandem-delivery']).toBe('99');
    expect(req.headers.authorization).toBe('Bearer x');
    expect(req.headers['x-tandem-signature']).toBe(`sha256=${hmac('whsec', `${ts}.${req.body}`, 'hex')}`);
    const body = JSON.parse(req.body);
    expect(body).toMatchObject({ delivery: 99, topic: 'task.created', link: LINK, task: { id: 'task-7' } });
    const unsigned = webhookRequest({ url: 'https://h/x' }, message, payload, {
      deliveryId: null,
      nowMs: NOW,
    });
    expect(unsigned.headers['x-tandem-signature']).toBeUndefined();
  });
});
