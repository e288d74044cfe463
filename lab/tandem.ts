/**
 * The lab in Tandem: its sites, an agent inside each site's namespace (enrolled once, then
 * reusing its credential), the estate (hosts, services and how they relate), and an event
 * source for the lab's Alertmanager.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ApiClient } from '../src/cli/client.ts';
import { LAB_GATEWAY, PORTS, sites, type LabSite } from './topology.ts';
import { labPath } from './paths.ts';
import { startProcess, stopProcess, trackedPid } from './processes.ts';
import { run, waitFor } from './sh.ts';
import { PRIMARY, STANDBY, APP_DB } from './postgres.ts';
import { LB, webHosts } from './web.ts';
import type { AlertReceiver } from './monitoring.ts';
import { runbookCredentials } from './credentials.ts';
import { detectionUp } from './detection.ts';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'tandem');
export const EVENT_SOURCE = 'lab-alertmanager';

export interface TandemTarget {
  api: ApiClient;
  /** Tandem as seen from inside the lab's namespaces (through the forwarder). */
  labUrl: string;
  url: URL;
}

export function tandemTarget(api: ApiClient): TandemTarget {
  const url = new URL(api.baseUrl);
  return { api, url, labUrl: `${url.protocol}//${LAB_GATEWAY}:${url.port || PORTS.tandem}` };
}

async function exists(api: ApiClient, path: string): Promise<boolean> {
  try {
    await api.get(path);
    return true;
  } catch (err) {
    if ((err as { exitCode?: number }).exitCode === 3) return false;
    throw err;
  }
}

export async function forwarderUp(t: TandemTarget): Promise<void> {
  if (trackedPid('forwarder') !== undefined) return;
  startProcess(
    'forwarder',
    process.execPath,
    [
      '--import',
      'tsx',
      join(ROOT, 'lab', 'forwarder.ts'),
      LAB_GATEWAY,
      t.url.port || String(PORTS.tandem),
      t.url.hostname,
      t.url.port || String(PORTS.tandem),
    ],
    { cwd: ROOT },
  );
  await waitFor(
    'the forwarder to Tandem',
    async () =>
      (
        await run('curl', ['-fsS', '-m', '1', `${t.labUrl}/api/v1/health`], {
          ns: sites[0]!.ns,
          allowFail: true,
        })
      ).code === 0,
  );
}

async function registerSite(t: TandemTarget, site: LabSite): Promise<void> {
  await t.api.post('/api/v1/sites', {
    name: site.name,
    kind: site.kind,
    ...(site.provider ? { provider: site.provider } : {}),
    region: site.region,
    labels: { lab: 'tandem-lab' },
    description: `lab site in network namespace ${site.ns}`,
  });
}

/**
 * Agent names carry the lab's instance id (made at `up`, kept in the lab folder): a lab made
 * again after `down` enrolls new agents, and names are unique per server.
 */
function instanceId(): string {
  const file = labPath('instance');
  if (!existsSync(file)) {
    mkdirSync(labPath(), { recursive: true });
    writeFileSync(file, randomBytes(3).toString('hex'));
  }
  return readFileSync(file, 'utf8').trim();
}
const agentName = (site: LabSite) => `lab-${site.name}-${instanceId()}`;

async function agentUp(t: TandemTarget, site: LabSite): Promise<void> {
  const name = `agent-${site.name}`;
  if (trackedPid(name) !== undefined) return;
  const stateDir = labPath('agents', site.name);
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const enrolled = existsSync(join(stateDir, 'credential.json')) || existsSync(join(stateDir, 'agent.json'));
  const args = [
    BIN,
    '--server',
    t.labUrl,
    'agent',
    'run',
    '--name',
    agentName(site),
    '--state-dir',
    stateDir,
    '--capacity',
    '8',
  ];
  for (const label of new Set(site.hosts.flatMap((h) => h.roles))) args.push('--label', label);
  let env: Record<string, string> = { TANDEM_LOG_LEVEL: 'info' };
  if (!enrolled) {
    const answer = (await t.api.post('/api/v1/agents/enrollment-tokens', {
      site: site.name,
      ttl: '10m',
    })) as { token: string };
    env = { ...env, TANDEM_ENROLLMENT_TOKEN: answer.token };
  }
  startProcess(name, process.execPath, args, { ns: site.ns, env, cwd: ROOT });
}

async function agentsOnline(t: TandemTarget): Promise<boolean> {
  const answer = (await t.api.get('/api/v1/agents')) as { agents: { name: string; state: string }[] };
  return sites.every((s) => answer.agents.some((a) => a.name === agentName(s) && a.state === 'online'));
}

/** The estate document the lab applies: hosts, the database cluster, the web service. */
export function labEstate(): string {
  const lines = [
    'apiVersion: tandem/v1',
    'kind: Estate',
    'metadata: { source: tandem-lab }',
    'spec:',
    '  resources:',
  ];
  const res = (
    kind: string,
    name: string,
    site: string | null,
    labels: Record<string, string>,
    properties: Record<string, unknown>,
    relations: Record<string, string[]> = {},
  ) => {
    lines.push(`    - kind: ${kind}`, `      name: ${name}`);
    if (site) lines.push(`      site: ${site}`);
    lines.push(`      labels: ${JSON.stringify(labels)}`, `      properties: ${JSON.stringify(properties)}`);
    const rels = Object.entries(relations).filter(([, v]) => v.length > 0);
    if (rels.length > 0) lines.push(`      relations: ${JSON.stringify(Object.fromEntries(rels))}`);
  };
  for (const site of sites)
    for (const h of site.hosts)
      res(
        'host',
        h.name,
        site.name,
        { role: h.roles[0]!, lab: 'tandem-lab' },
        { address: h.address, roles: h.roles },
      );
  res(
    'database',
    PRIMARY,
    'idc-shanghai',
    { role: 'primary', env: 'lab', engine: 'postgresql' },
    { address: '10.77.1.10', port: PORTS.postgres, database: APP_DB },
    { runs_on: ['host/pg-sh-1'], replicates_to: [`database/${STANDBY}`] },
  );
  res(
    'database',
    STANDBY,
    'cloud-hangzhou',
    { role: 'standby', env: 'lab', engine: 'postgresql' },
    { address: '10.77.2.10', port: PORTS.postgres, database: APP_DB },
    { runs_on: ['host/pg-hz-1'] },
  );
  res(
    'load_balancer',
    LB,
    'edge-1',
    { env: 'lab' },
    { address: '10.77.3.10', http_port: PORTS.haproxy, postgres_port: PORTS.postgres },
    { runs_on: ['host/lb-edge-1'] },
  );
  for (const { site, host } of webHosts())
    res(
      'service',
      host.name,
      site.name,
      { service: 'web', env: 'lab' },
      { address: host.address, port: PORTS.web },
      { runs_on: [`host/${host.name}`] },
    );
  res(
    'service',
    'shop',
    null,
    { service: 'shop', env: 'lab' },
    { entry: `http://10.77.3.10:${PORTS.haproxy}/` },
    {
      depends_on: [
        `load_balancer/${LB}`,
        `database/${PRIMARY}`,
        ...webHosts().map(({ host }) => `service/${host.name}`),
      ],
    },
  );
  return lines.join('\n') + '\n';
}

/** Apply what Tandem has an API for; answer the Alertmanager receiver when events exist. */
export async function registerInTandem(
  t: TandemTarget,
): Promise<{ receiver: AlertReceiver | null; notes: string[] }> {
  const notes: string[] = [];
  for (const site of sites) await registerSite(t, site);
  await forwarderUp(t);
  for (const site of sites) await agentUp(t, site);
  await waitFor('the lab agents to come online', () => agentsOnline(t), 60_000);
  if (await exists(t.api, '/api/v1/estate/resources?limit=1'))
    await t.api.request('POST', '/api/v1/estate/apply', {
      text: { contentType: 'application/yaml', data: labEstate() },
    });
  else notes.push('this Tandem has no estate API: the estate was not registered');
  await runbookCredentials(t.api).catch((err: unknown) =>
    notes.push(`no credentials for the catalog's runbooks: ${(err as Error).message}`),
  );
  notes.push(...(await detectionUp(t.api, t.labUrl)));
  // The source's credential is shown once: keep it (0600) so a second `up` reuses it.
  const saved = labPath('alertmanager', 'receiver.json');
  if (existsSync(saved)) return { receiver: JSON.parse(readFileSync(saved, 'utf8')) as AlertReceiver, notes };
  let receiver: AlertReceiver | null = null;
  try {
    const create = () => t.api.post('/api/v1/events/sources', { name: EVENT_SOURCE, kind: 'alertmanager' });
    // Made by an earlier `up` whose saved credential went with `down`: made again, with a new one.
    const source = (await create().catch(async (err: unknown) => {
      if ((err as { code?: string }).code !== 'conflict') throw err;
      await t.api.request('DELETE', `/api/v1/events/sources/${EVENT_SOURCE}`);
      return create();
    })) as {
      token?: string;
      credential?: string;
    };
    const bearer = source.token ?? source.credential;
    if (bearer) {
      receiver = { url: `${t.url.origin}/api/v1/events/alertmanager/${EVENT_SOURCE}`, bearer };
      mkdirSync(labPath('alertmanager'), { recursive: true });
      writeFileSync(saved, JSON.stringify(receiver), { mode: 0o600 });
    }
  } catch (err) {
    notes.push(`no event source for Alertmanager: ${(err as Error).message}`);
  }
  return { receiver, notes };
}

/** Revoke the agents of this lab instance, so they do not linger as offline agents. */
export async function revokeLabAgents(t: TandemTarget): Promise<void> {
  if (!existsSync(labPath('instance'))) return;
  const names = new Set(sites.map(agentName));
  const answer = (await t.api.get('/api/v1/agents')) as {
    agents: { id: string; name: string; state: string }[];
  };
  for (const a of answer.agents)
    if (names.has(a.name) && a.state !== 'revoked')
      await t.api.post(`/api/v1/agents/${encodeURIComponent(a.id)}/revoke`).catch(() => undefined);
}

export async function tandemDown(): Promise<void> {
  // Agents drain on SIGTERM (an open long poll ends first): stop them all at once.
  await Promise.all(sites.map((site) => stopProcess(`agent-${site.name}`, 10_000)));
  await stopProcess('forwarder');
}
