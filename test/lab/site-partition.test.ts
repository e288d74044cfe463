/**
 * site-partition on the lab: idc-shanghai's link goes down; the probes run by every site's agent
 * open one site incident; the lab's rule starts site-partition for it (on the first alert that
 * joins it); the runbook confirms from the other sites, marks the site degraded, drains its web
 * servers and notifies; the link comes back; traffic is restored and the incident resolved.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { siteRule } from '../../lab/detection.ts';
import { eventually, inSite, lab as labCli, labProblem, labSuite, runLogs, waitForRun } from './support.ts';

const suite = labProblem === undefined ? describe : describe.skip;

type Suite = Awaited<ReturnType<typeof labSuite>>;

interface IncidentView {
  id: string;
  status: string;
  grouping: string;
  site: string | null;
  runs: { run_id: string; rule: string | null }[];
  timeline: { type: string; message: string }[];
}

/** HAProxy's view of a web server: its status column of `show stat`. */
const haproxyStatus = async (server: string) =>
  (
    await inSite(
      'tdm-edge-1',
      `echo "show stat" | socat -t 2 stdio unix-connect:/var/lib/tandem-lab/run/haproxy.sock | awk -F, '$1 == "web" && $2 == "${server}" { print $18 }'`,
    )
  ).trim();

suite('site-partition', () => {
  let lab: Suite;
  let hook: Server;
  const told: { event: string; site: string; incident: string; drained?: string[] }[] = [];

  beforeAll(async () => {
    lab = await labSuite({ env: { TANDEM_PROBE_EVALUATE_MS: '1000' } });
    // The webhook people are told through, on the lab's bridge so the agents reach it.
    hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        told.push(JSON.parse(body) as (typeof told)[number]);
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '10.77.0.1', resolve));
    const notifyUrl = `http://10.77.0.1:${(hook.address() as AddressInfo).port}/tandem`;
    const applied = await lab.api(
      'POST',
      '/api/v1/rules',
      siteRule(lab.labUrl, notifyUrl),
      'application/yaml',
    );
    expect(applied.status, JSON.stringify(applied.body)).toBeLessThan(300);
    // Every lab site's agent runs the probes and reports before anything is cut off.
    await eventually(
      'the probes to report from every lab site',
      async () => {
        const m = (await lab.api('GET', '/api/v1/probes/matrix')).body as {
          sites: { site: string; status: string }[];
        };
        const ok = m.sites.filter((s) => s.status === 'ok').map((s) => s.site);
        return ['idc-shanghai', 'cloud-hangzhou', 'edge-1'].every((s) => ok.includes(s)) ? true : undefined;
      },
      60_000,
    );
  }, 900_000); // the lab lock may be held by other lab test files for a while

  afterAll(async () => {
    hook.close();
    await lab.down();
  }, 120_000);

  const siteIncidents = async (site: string) =>
    (
      (await lab.api('GET', `/api/v1/incidents?site=${site}&limit=100`)).body.incidents as IncidentView[]
    ).filter((i) => i.grouping === 'site');

  it('answers a started-by-hand run for a site that is not cut off with nothing but a confirmation', async () => {
    const res = await lab.api('POST', '/api/v1/runs', {
      runbook: 'site-partition',
      inputs: { site: 'cloud-hangzhou', confirm_seconds: 2, tandem_url: lab.labUrl },
    });
    const run = await waitForRun(lab.api, res.body.id as string);
    expect(run.status, run.error ?? '').toBe('succeeded');
    expect(run.outputs).toMatchObject({ confirmed: 'false', drained: '' });
    expect(await runLogs(lab.api, run.id)).toMatch(/from edge-1: reached 10\.77\.2\.10:5432/);
    for (const id of ['mark_degraded', 'drain', 'notify', 'wait_heal', 'restore_site'])
      expect(run.steps.find((s) => s.id === id)!.status).toBe('skipped');
    expect(await siteIncidents('cloud-hangzhou')).toEqual([]);
  }, 60_000);

  it('opens one site incident when idc-shanghai is cut off, responds through the rule, and restores it once healed', async () => {
    const cutAt = Date.now();
    await labCli(['partition', 'idc-shanghai'], lab.target);
    const incident = await eventually(
      'the site incident',
      async () => (await siteIncidents('idc-shanghai')).find((i) => i.status !== 'resolved'),
      60_000,
    );
    // The rule started the response for it, linked to it.
    const runId = await eventually(
      'a site-partition run linked to the incident',
      async () => {
        const i = (await lab.api('GET', `/api/v1/incidents/${incident.id}`)).body as IncidentView;
        return i.runs.find((r) => r.rule === 'lab-site-partition')?.run_id;
      },
      60_000,
    );
    const run = (await lab.api('GET', `/api/v1/runs/${runId}`)).body as {
      runbook: string;
      inputs: Record<string, unknown>;
    };
    expect(run.runbook).toBe('site-partition');
    expect(run.inputs).toMatchObject({ site: 'idc-shanghai', incident: incident.id });
    // The response is done and the run waits for the partition to heal.
    await eventually(
      'the run to wait for the heal',
      async () => {
        const r = (await lab.api('GET', `/api/v1/runs/${runId}`)).body as {
          status: string;
          steps: { id: string; status: string }[];
        };
        if (r.status !== 'running')
          throw new Error(`site-partition ended ${r.status}: ${await runLogs(lab.api, runId)}`);
        return r.steps.find((s) => s.id === 'wait_heal')?.status === 'running' ? true : undefined;
      },
      60_000,
    );
    const site = (await lab.api('GET', '/api/v1/sites/idc-shanghai')).body as {
      labels: Record<string, string>;
    };
    expect(site.labels.status).toBe('degraded');
    // Drained (and down: HAProxy cannot reach them either); kept drained until the runbook says.
    expect(['DRAIN', 'DOWN']).toContain(await haproxyStatus('web-sh-1'));
    expect(told).toContainEqual(
      expect.objectContaining({
        event: 'site.cut_off',
        site: 'idc-shanghai',
        incident: incident.id,
        drained: ['web-sh-1', 'web-sh-2'],
      }),
    );
    const notes = ((await lab.api('GET', `/api/v1/incidents/${incident.id}`)).body as IncidentView).timeline
      .filter((t) => t.type === 'note')
      .map((t) => t.message);
    expect(notes.join('\n')).toMatch(
      /confirmed — no endpoint of idc-shanghai answers cloud-hangzhou, edge-1/,
    );
    expect(notes.join('\n')).toMatch(/marked degraded; its resources: .*database\/pg-sh-1/);

    await labCli(['heal', 'idc-shanghai'], lab.target);
    const done = await waitForRun(lab.api, runId, 90_000);
    expect(done.status, await runLogs(lab.api, runId)).toBe('succeeded');
    expect(done.outputs).toMatchObject({
      confirmed: 'true',
      drained: 'web-sh-1 web-sh-2',
      resolved_by: 'probes',
    });
    expect(Number(done.outputs!.outage_ms)).toBeGreaterThan(0);
    expect(Number(done.outputs!.outage_ms)).toBeLessThan(Date.now() - cutAt);
    // Restored: in rotation, serving through the load balancer, label gone, incident resolved — and it stayed one.
    expect(await haproxyStatus('web-sh-1')).toBe('UP');
    expect(await haproxyStatus('web-sh-2')).toBe('UP');
    expect(await inSite('tdm-edge-1', 'curl -fsS -m 2 http://10.77.3.10/')).toMatch(/^hello from web-sh-/);
    expect(
      ((await lab.api('GET', '/api/v1/sites/idc-shanghai')).body as typeof site).labels.status,
    ).toBeUndefined();
    const all = await siteIncidents('idc-shanghai');
    expect(all.map((i) => [i.id, i.status])).toEqual([[incident.id, 'resolved']]);
    expect(told.map((t) => t.event)).toEqual(['site.cut_off', 'site.recovered']);
    // One run for the incident, however many alerts joined it.
    const firings = (await lab.api('GET', '/api/v1/rules/lab-site-partition/firings')).body.firings as {
      decision: string;
    }[];
    expect(firings.filter((f) => f.decision === 'started')).toHaveLength(1);
  }, 180_000);
});
