/**
 * How the lab's Tandem notices a site cut off, and what it does then: interval probes run by the
 * agent of every lab site, and a rule starting `site-partition` on the site incident.
 *
 * - A site whose agent stops reporting while the others still do is cut off: the probes open one
 *   site incident (after about 3 intervals, the timeout and 5 s).
 * - The web hosts are probed from every site. Counting 15 failures in a row before a host is
 *   down makes that come after the site incident: the host's event then joins the site incident,
 *   and the rule — which acts on events — starts `site-partition` for it, once per incident.
 * - The shop's entry (HAProxy) is probed too: its availability, as clients see it.
 */
import type { ApiClient } from '../src/cli/client.ts';
import { webHosts } from './web.ts';

const LAB_SITES = 'lab=tandem-lab';

function probe(name: string, service: string, failures: number, url: string): string {
  return `apiVersion: tandem/v1
kind: Probe
metadata: { name: ${name} }
spec:
  service: ${service}
  sites: '${LAB_SITES}'
  interval: 1s
  timeout: 1s
  failures: ${failures}
  http: { url: '${url}', expect_status: 200 }
`;
}

export function labProbes(): string[] {
  return [
    probe('lab-shop', 'shop', 3, 'http://10.77.3.10/'),
    ...webHosts().map(({ host }) =>
      probe(`lab-${host.name}`, host.name, 15, `http://${host.address}/health`),
    ),
  ];
}

/** The rule: any alert grouped into a site incident starts the response for that site. */
export function siteRule(labUrl: string, notifyUrl?: string): string {
  return `apiVersion: tandem/v1
kind: Rule
metadata:
  name: lab-site-partition
  title: Respond to a lab site cut off
spec:
  match: event.status == "firing" && incident != null && incident.grouping == "site"
  runbook: site-partition
  inputs:
    site: \${{ incident.site }}
    incident: \${{ incident.id }}
    tandem_url: '${labUrl}'
${notifyUrl === undefined ? '' : `    notify_url: '${notifyUrl}'\n`}`;
}

/** Apply the probes and the rule; answers what could not be (an older Tandem has no probes or rules). */
export async function detectionUp(api: ApiClient, labUrl: string): Promise<string[]> {
  const notes: string[] = [];
  const yaml = (data: string) => ({ text: { contentType: 'application/yaml', data } });
  try {
    for (const p of labProbes()) await api.request('POST', '/api/v1/probes', yaml(p));
  } catch (err) {
    notes.push(`no probes: ${(err as Error).message}`);
  }
  try {
    await api.request('POST', '/api/v1/rules', yaml(siteRule(labUrl)));
  } catch (err) {
    notes.push(`no site-partition rule: ${(err as Error).message}`);
  }
  return notes;
}
