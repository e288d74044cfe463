/**
 * The web console in a real browser: Debian's Chromium driven by playwright-core against a real
 * `tandem server` process. A person signs in, starts a run from the generated form, watches it
 * reach its approval live, approves it with a comment from the run view and sees it succeed;
 * then the console in Chinese, and the API-token sign-in. Screenshots go to test-results/.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOidcProvider } from '../support/oidc-provider.ts';
import { createPerson } from '../support/people.ts';
import {
  client,
  freePort,
  startServerProcess,
  TEST_TOKEN,
  type ServerProcess,
} from '../support/server-process.ts';

const ROOT = join(import.meta.dirname, '../..');
const RESULTS = join(ROOT, 'test-results');
const CHROMIUM = '/usr/bin/chromium';
/** Headless, and off the network: no updates, sync or background requests (see STACK.md). */
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

const RUNBOOK = `apiVersion: tandem/v1
kind: Runbook
metadata:
  name: console-deploy
  title: Deploy a release after approval
  labels: { team: web }
spec:
  description: Builds the release, asks for an approval, then deploys it.
  inputs:
    release: { type: string, required: true, description: The release tag }
    replicas: { type: integer, default: 2, description: How many replicas }
    environment: { type: enum, enum: [staging, production], default: staging }
    dry_run: { type: boolean, default: false }
  steps:
    - id: build
      shell: echo artifact=app-\${{ inputs.release }}.tar >> "$TANDEM_OUTPUTS"; echo built \${{ inputs.release }}
    - id: approve
      needs: [build]
      approval:
        message: 'Deploy \${{ inputs.release }} to \${{ inputs.environment }}?'
        timeout: 1h
    - id: deploy
      needs: [approve]
      shell: echo deployed \${{ inputs.release }} x\${{ inputs.replicas }}
`;

const MANUAL = `apiVersion: tandem/v1
kind: Runbook
metadata: { name: console-rack-check }
spec:
  steps:
    - id: inspect
      task:
        title: Inspect rack B4
        description: Check the power supplies and note the change ticket.
        assignees: { team: release }
        form:
          type: object
          required: [ticket]
          properties:
            ticket: { type: string, title: Change ticket, pattern: '^CHG-[0-9]+$' }
            healthy: { type: boolean, title: All lights green }
    - id: record
      needs: [inspect]
      shell: echo recorded \${{ steps.inspect.outputs.ticket }}
`;

/** The newest change under a folder (ms). */
function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true }))
    if (e.isFile()) t = Math.max(t, statSync(join(e.parentPath, e.name)).mtimeMs);
  return t;
}

/** Build the console when it is missing or older than its sources (CI builds it in `npm ci`). */
function ensureBuilt(): void {
  const index = join(ROOT, 'dist/web/index.html');
  if (existsSync(index) && statSync(index).mtimeMs >= newest(join(ROOT, 'web'))) return;
  execFileSync(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build'], {
    cwd: ROOT,
    stdio: 'pipe',
  });
}

/** "06:05" of an instant in UTC+8 (Asia/Shanghai has no daylight saving time). */
function shanghaiClock(iso: string): string {
  const d = new Date(new Date(iso).getTime() + 8 * 3600_000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

describe('the web console in Chromium', () => {
  let server: ServerProcess;
  let browser: BrowserContext;
  let page: Page;
  const dirs: string[] = [];
  const problems: string[] = [];

  beforeAll(async () => {
    ensureBuilt();
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
    mkdirSync(RESULTS, { recursive: true });
    const data = mkdtempSync(join(tmpdir(), 'tandem-console-'));
    const profile = mkdtempSync(join(tmpdir(), 'tandem-chromium-'));
    dirs.push(data, profile);
    [server, browser] = await Promise.all([
      startServerProcess({ port: await freePort(), dataDir: data }),
      chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        args: FLAGS,
        viewport: { width: 1280, height: 800 },
        locale: 'en-US',
        timezoneId: 'Asia/Shanghai',
      }),
    ]);
    const api = client(server.url);
    expect((await api('POST', '/api/v1/runbooks', RUNBOOK, 'application/yaml')).status).toBe(201);
    expect((await api('POST', '/api/v1/runbooks', MANUAL, 'application/yaml')).status).toBe(201);
    await createPerson(api, {
      username: 'olivia',
      password: 'console-password-1',
      teams: [{ name: 'release', roles: ['operator', 'approver'] }],
    });
    page = browser.pages()[0] ?? (await browser.newPage());
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (/Content.Security.Policy|Refused to/i.test(m.text())) problems.push(`console: ${m.text()}`);
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.kill();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('signs in, starts a run from the form, approves it live from the run view, and speaks Chinese', async () => {
    const api = client(server.url);

    // Sign in with a password: a session cookie, and the CSRF token on every change.
    await page.goto(server.url);
    await page.getByLabel('Username').fill('olivia');
    await page.getByLabel('Password').fill('wrong-password-1');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('Wrong username or password');
    expect(await page.locator('.sso').count()).toBe(0);
    await page.getByLabel('Password').fill('console-password-1');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    expect(await page.locator('.who').textContent()).toBe('olivia');

    // The catalog, its search, and the runbook's page with the form made from its inputs.
    await page.getByRole('navigation').getByRole('link', { name: 'Runbooks' }).click();
    await page.getByLabel('Search').fill('deploy');
    await page.getByRole('link', { name: 'Deploy a release after approval' }).click();
    await page.getByRole('heading', { name: 'Start a run' }).waitFor();
    expect(await page.locator('.prose').first().textContent()).toContain('asks for an approval');
    expect(await page.getByLabel('environment').inputValue()).toBe('staging');

    // Checked before sending: a missing required input and a fraction for an integer.
    await page.getByLabel('replicas').fill('2.5');
    await page.getByRole('button', { name: 'Start run' }).click();
    const release = page.getByLabel('release', { exact: false }).first();
    await expect.poll(() => release.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#input-release-error').textContent()).toBe('This field is required.');
    expect(await page.locator('#input-replicas-error').textContent()).toBe('Enter a whole number.');
    expect(await page.evaluate('document.activeElement.id')).toBe('input-release');
    expect((await api('GET', '/api/v1/runs?runbook=console-deploy')).body.runs).toHaveLength(0);

    await release.fill('v1.4.2');
    await page.getByLabel('replicas').fill('3');
    await page.getByLabel('environment').selectOption('production');
    await page.getByRole('button', { name: 'Start run' }).click();
    await page.waitForURL(/\/runs\/[0-9a-f-]{36}/);
    const runId = page.url().split('/runs/')[1]!.split('?')[0]!;
    // Marks this document: still there at the end means nothing reloaded the page.
    await page.evaluate('window.stayed = true');

    // The run reaches its approval while we watch.
    const approval = page.locator('.task-panel.task-open');
    await approval.waitFor({ timeout: 20_000 });
    expect(await approval.textContent()).toContain('Deploy v1.4.2 to production?');
    await expect
      .poll(() => page.locator('.graph-node[data-step="build"]').getAttribute('data-status'))
      .toBe('succeeded');
    expect(await page.locator('.graph-node[data-step="approve"]').getAttribute('data-status')).toBe(
      'waiting',
    );
    expect(await page.locator('.graph-node[data-step="deploy"]').getAttribute('data-status')).toBe('pending');
    const started = await api('GET', `/api/v1/runs/${runId}`);
    expect(started.body.inputs).toEqual({
      release: 'v1.4.2',
      replicas: 3,
      environment: 'production',
      dry_run: false,
    });

    // The dashboard shows the run waiting for people and the task in my inbox.
    await page.getByRole('navigation').getByRole('link', { name: 'Dashboard' }).click();
    const waiting = page.locator('section[aria-labelledby="p-waiting"]');
    await expect.poll(() => waiting.textContent()).toContain('console-deploy');
    const inbox = page.locator('section[aria-labelledby="p-inbox"]');
    await expect.poll(() => inbox.textContent()).toContain('Deploy v1.4.2 to production?');
    await page.screenshot({ path: join(RESULTS, 'console-dashboard.png') });

    // From the inbox to the run view, then approve there with a comment.
    await inbox.getByRole('link', { name: 'Deploy v1.4.2 to production?' }).click();
    await approval.waitFor();
    await approval.getByLabel('Comment').fill('Checked the release notes, ship it');
    await approval.getByRole('button', { name: 'Approve' }).click();

    const runStatus = page.locator('.page-head h1 .status');
    await expect.poll(() => runStatus.textContent(), { timeout: 20_000 }).toBe('succeeded');
    await expect
      .poll(() => page.locator('.graph-node[data-step="deploy"]').getAttribute('data-status'))
      .toBe('succeeded');
    const timeline = page.locator('.timeline');
    await expect.poll(() => timeline.textContent()).toContain('Checked the release notes, ship it');
    expect(await timeline.textContent()).toContain('by olivia');
    await expect.poll(() => page.getByTestId('logs').textContent()).toContain('deployed v1.4.2 x3');
    await expect.poll(() => page.locator('.live').textContent()).toBe('Finished');
    expect(await page.evaluate('window.stayed')).toBe(true);
    const decided = await api('GET', `/api/v1/runs/${runId}`);
    expect(decided.body.status).toBe('succeeded');
    expect(
      decided.body.steps.find((s: { id: string }) => s.id === 'approve').task.decisions[0],
    ).toMatchObject({
      actor: 'olivia',
      decision: 'approve',
      comment: 'Checked the release notes, ship it',
    });

    // The runs list, filtered by status.
    await page.getByRole('navigation').getByRole('link', { name: 'Runs' }).click();
    await page.getByLabel('Status').selectOption('succeeded');
    await expect.poll(() => page.locator('table').textContent()).toContain('console-deploy');
    await page.getByLabel('Status').selectOption('failed');
    await page.getByText('No run matches.').waitFor();
    // Filters replace the history entry: one step back is the run again.
    await page.goBack();
    await page.waitForURL(/\/runs\/[0-9a-f-]{36}/);

    // A step's detail: where it ran, its attempts and outputs.
    await page.locator('table.steps').getByRole('button', { name: 'build', exact: true }).click();
    const detail = page.locator('.step-detail');
    await expect.poll(() => detail.textContent()).toContain('Step build');
    expect(await detail.textContent()).toContain('app-v1.4.2.tar');
    expect(await detail.locator('table').textContent()).toContain('@ local');
    await page.screenshot({ path: join(RESULTS, 'console-run.png'), fullPage: true });

    // A manual task: its form, made from the task's JSON Schema, checked, then its answers sent.
    const manual = await api('POST', '/api/v1/runs', { runbook: 'console-rack-check' });
    await page.goto(`${server.url}/runs/${manual.body.id as string}`);
    const task = page.locator('.task-panel.task-open');
    await task.waitFor({ timeout: 20_000 });
    expect(await task.textContent()).toContain('Check the power supplies');
    await task.getByLabel('Change ticket').fill('ticket 42');
    await task.getByRole('button', { name: 'Complete the task' }).click();
    await expect
      .poll(() => task.locator('.field-error').textContent())
      .toContain('does not have the expected form');
    await task.getByLabel('Change ticket').fill('CHG-42');
    await task.getByLabel('All lights green').check();
    await task.getByRole('button', { name: 'Complete the task' }).click();
    await expect.poll(() => runStatus.textContent(), { timeout: 20_000 }).toBe('succeeded');
    await expect.poll(() => page.getByTestId('logs').textContent()).toContain('recorded CHG-42');
    const completed = await api('GET', `/api/v1/runs/${manual.body.id as string}`);
    expect(
      completed.body.steps.find((x: { id: string }) => x.id === 'inspect').task.decisions[0],
    ).toMatchObject({
      actor: 'olivia',
      outputs: { ticket: 'CHG-42', healthy: true },
    });
    await page.goto(`${server.url}/runs/${runId}`);
    await runStatus.waitFor();

    // 简体中文: chosen in the header, remembered, dates in the reader's time zone.
    await page.getByLabel('Language').selectOption('zh-CN');
    await expect.poll(() => page.getByRole('navigation').textContent()).toContain('运行手册');
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    expect(await runStatus.textContent()).toBe('成功');
    expect(await page.locator('.page-head h1').textContent()).toContain('console-deploy 的运行');
    await page.reload();
    await page.getByRole('heading', { name: 'console-deploy 的运行' }).waitFor();
    const created = page.locator(`.page-head time[datetime="${decided.body.created_at as string}"]`);
    const shown = (await created.textContent())!;
    expect(shown).toContain('年');
    expect(shown).toContain(shanghaiClock(decided.body.created_at));
    await page.screenshot({ path: join(RESULTS, 'console-run-zh.png') });

    // Sign out, then in again with an API token (kept in this tab only).
    await page.getByRole('button', { name: '退出登录' }).click();
    await page.locator('#token').fill(TEST_TOKEN);
    await page.getByRole('button', { name: '使用令牌登录' }).click();
    await page.getByRole('heading', { name: '仪表盘' }).waitFor();
    expect(await page.locator('.who').textContent()).toBe('Administrator');

    expect(problems).toEqual([]);
  }, 90_000);

  it('acknowledges a real incident and adds a note from its page, and shows the SLOs', async () => {
    // Signed in with the admin token by the test above; back to English.
    const api = client(server.url);
    const source = await api('POST', '/api/v1/events/sources', {
      name: 'prom-console',
      kind: 'alertmanager',
    });
    expect(source.status).toBe(201);
    const alert = {
      status: 'firing',
      labels: { alertname: 'PostgresDown', severity: 'critical', site: 'idc-sh' },
      annotations: { summary: 'PostgreSQL pg-main in idc-sh is down' },
      startsAt: new Date().toISOString(),
      fingerprint: 'c0ffee0123456789',
    };
    const sent = await client(server.url, source.body.token as string)(
      'POST',
      '/api/v1/events/alertmanager/prom-console',
      { version: '4', groupKey: '{}:{}', receiver: 'tandem', status: 'firing', alerts: [alert] },
    );
    expect(sent.status).toBe(200);
    const incidentId = sent.body.events[0].incident_id as string;
    const slo =
      'apiVersion: tandem/v1\nkind: SLO\nmetadata: { name: shop-up }\nspec: { service: shop, objective: 99.5, window: 1d, availability: {} }\n';
    expect((await api('POST', '/api/v1/slos', slo, 'application/yaml')).status).toBe(201);

    await page.goto(`${server.url}/incidents?severity=critical`);
    await page.getByLabel('语言').selectOption('en');
    await page.getByRole('link', { name: 'PostgreSQL pg-main in idc-sh is down' }).click();
    await page.waitForURL(`${server.url}/incidents/${incidentId}`);
    const status = page.locator('.page-head h1 .status');
    expect(await status.textContent()).toBe('triggered');
    expect(await page.locator('section[aria-labelledby="inc-alerts"]').textContent()).toContain(
      'prom-console',
    );
    await page.getByRole('button', { name: 'Acknowledge' }).click();
    await expect.poll(() => status.textContent()).toBe('acknowledged');
    await page.getByLabel('Note').fill('Failing over to pg-hz-1');
    await page.getByRole('button', { name: 'Add note' }).click();
    const timeline = page.locator('.incident-timeline');
    await expect.poll(() => timeline.textContent()).toContain('Failing over to pg-hz-1');
    const incident = await api('GET', `/api/v1/incidents/${incidentId}`);
    expect(incident.body).toMatchObject({ status: 'acknowledged', acknowledged_by: 'admin' });
    expect(incident.body.timeline.map((e: { type: string }) => e.type)).toContain('note');
    await page.screenshot({ path: join(RESULTS, 'console-incident.png'), fullPage: true });

    await page.getByRole('navigation').getByRole('link', { name: 'SLOs' }).click();
    const row = page.locator('tr[data-slo="shop-up"]');
    await expect.poll(() => row.textContent()).toContain('99.5%');
    expect(await row.textContent()).toContain('no data');
    expect(problems).toEqual([]);
  }, 30_000);

  it('signs in with single sign-on when the server has an OIDC provider', async () => {
    const provider = await startOidcProvider({
      clientId: 'tandem-console',
      clientSecret: 'console-oidc-secret-0123456789',
      user: { sub: 'sub-sam', preferred_username: 'sam', name: 'Sam Sso' },
    });
    const data = mkdtempSync(join(tmpdir(), 'tandem-console-oidc-'));
    dirs.push(data);
    const port = await freePort();
    const sso = await startServerProcess({
      port,
      dataDir: data,
      env: {
        TANDEM_OIDC_ISSUER: provider.issuer,
        TANDEM_OIDC_CLIENT_ID: 'tandem-console',
        TANDEM_OIDC_CLIENT_SECRET: 'console-oidc-secret-0123456789',
        TANDEM_PUBLIC_URL: `http://127.0.0.1:${port}`,
      },
    });
    try {
      await browser.clearCookies();
      await page.goto(`${sso.url}/runs`);
      await page.locator('.sso a').click();
      // Tandem → the provider → Tandem's callback → back to the page the person asked for.
      await page.waitForURL(`${sso.url}/runs`);
      await expect.poll(() => page.locator('.who').textContent()).toBe('Sam Sso');
      expect(provider.requests.some((r) => r.startsWith('GET /authorize'))).toBe(true);
    } finally {
      await sso.kill();
      await provider.close();
    }
  }, 60_000);
});
