/** `tandem agent` (run a site agent) and `tandem agent token|list|revoke`, `tandem site …`. */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { clientFrom, globalsOf } from './client.ts';
import { usageError } from './errors.ts';
import { formatDateTime, print, printJson, table } from './output.ts';
import { collect, parsePositiveInt } from './parse-options.ts';

interface AgentView {
  id: string;
  name: string;
  site: string;
  labels: string[];
  capacity: number;
  state: string;
  version: string | null;
  last_seen_at: string | null;
}

interface SiteView {
  name: string;
  kind: string;
  provider: string | null;
  region: string | null;
  labels: Record<string, string>;
  agents?: AgentView[];
}

const agentsTable = (agents: AgentView[]) =>
  table(
    ['NAME', 'SITE', 'STATE', 'LABELS', 'CAPACITY', 'VERSION', 'LAST SEEN'],
    agents.map((a) => [
      a.name,
      a.site,
      a.state,
      a.labels.join(','),
      a.capacity,
      a.version,
      formatDateTime(a.last_seen_at),
    ]),
  );

function parseLabelPair(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw usageError(`--label ${value}: expected key=value`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

export function registerAgent(program: Command): void {
  const agent = program.command('agent').description('run a site agent, or manage agents');

  agent
    .command('run', { isDefault: true })
    .description('enroll (once, with --token) and run this machine as an agent of the token’s site')
    .option('--name <name>', 'agent name (default: the host name)')
    .option('--label <label>', 'a label steps may require (repeat)', collect, [])
    .option('--capacity <n>', 'steps run at once', parsePositiveInt, 4)
    .option('--state-dir <dir>', 'where the credential and undelivered results are kept', './.tandem-agent')
    .option('--ca-file <file>', 'PEM of the CA that signed the server certificate')
    .action(
      async (
        o: { name?: string; label: string[]; capacity: number; stateDir: string; caFile?: string },
        cmd: Command,
      ) => {
        const globals = globalsOf(cmd);
        const { runAgent } = await import('../agent/main.ts');
        const stop = new AbortController();
        let stopping = false;
        const onSignal = (signal: NodeJS.Signals) => {
          if (stopping) process.exit(130);
          stopping = true;
          process.stderr.write(`${signal}: draining (again to exit at once)\n`);
          stop.abort();
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
        await runAgent({
          server: globals.server ?? process.env.TANDEM_SERVER ?? 'http://127.0.0.1:7300',
          ...(globals.token
            ? { token: globals.token }
            : process.env.TANDEM_ENROLLMENT_TOKEN
              ? { token: process.env.TANDEM_ENROLLMENT_TOKEN }
              : {}),
          ...(o.name ? { name: o.name } : {}),
          labels: o.label,
          capacity: o.capacity,
          stateDir: resolve(o.stateDir),
          ...(o.caFile ? { caFile: o.caFile } : {}),
          signal: stop.signal,
        });
        process.exit(0);
      },
    );

  agent
    .command('token')
    .description('enrollment tokens')
    .command('create')
    .description('a one-time token an agent of SITE enrolls with (shown once)')
    .requiredOption('--site <site>', 'the site the agent will belong to')
    .option('--ttl <duration>', 'how long the token is valid', '1h')
    .action(async (o: { site: string; ttl: string }, cmd: Command) => {
      const globals = globalsOf(cmd);
      const res = (await clientFrom(globals).post('/api/v1/agents/enrollment-tokens', o)) as {
        token: string;
        site: string;
        expires_at: string;
      };
      if (globals.json) return printJson(res);
      print(
        `${res.token}\n(one-time token for site ${res.site}, valid until ${formatDateTime(res.expires_at)})`,
      );
    });

  agent
    .command('list')
    .description('agents and their state (online, offline, draining, revoked)')
    .option('--site <site>', 'only this site')
    .action(async (o: { site?: string }, cmd: Command) => {
      const globals = globalsOf(cmd);
      const q = o.site ? `?site=${encodeURIComponent(o.site)}` : '';
      const res = (await clientFrom(globals).get(`/api/v1/agents${q}`)) as { agents: AgentView[] };
      if (globals.json) return printJson(res);
      print(res.agents.length === 0 ? 'no agents' : agentsTable(res.agents));
    });

  agent
    .command('revoke')
    .description('revoke an agent’s credential at once')
    .argument('<agent>', 'agent id or name')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      const res = await clientFrom(globals).post(`/api/v1/agents/${encodeURIComponent(id)}/revoke`, {});
      if (globals.json) return printJson(res);
      print(`revoked ${id}`);
    });
}

export function registerSite(program: Command): void {
  const site = program.command('site').description('sites: datacenters, cloud regions, clusters, edge sites');

  site
    .command('create')
    .description('create or update a site')
    .argument('<name>', 'site name, e.g. idc-shanghai')
    .requiredOption('--kind <kind>', 'idc, public-cloud, private-cloud, edge or k8s')
    .option(
      '--provider <provider>',
      'aws, azure, gcp, aliyun, tencent, huawei, openstack, vmware, bare-metal…',
    )
    .option('--region <region>', 'region or location')
    .option('--label <key=value>', 'a label (repeat)', parseLabelPair, {})
    .option('--description <text>', 'what the site is')
    .action(
      async (
        name: string,
        o: {
          kind: string;
          provider?: string;
          region?: string;
          label: Record<string, string>;
          description?: string;
        },
        cmd: Command,
      ) => {
        const globals = globalsOf(cmd);
        const { label, ...rest } = o;
        const res = (await clientFrom(globals).post('/api/v1/sites', {
          name,
          ...rest,
          labels: label,
        })) as SiteView;
        if (globals.json) return printJson(res);
        print(
          `site ${res.name} (${res.kind}${res.provider ? `, ${res.provider}` : ''}${res.region ? `, ${res.region}` : ''})`,
        );
      },
    );

  site
    .command('list')
    .description('every site')
    .action(async (_o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      const res = (await clientFrom(globals).get('/api/v1/sites')) as { sites: SiteView[] };
      if (globals.json) return printJson(res);
      print(
        res.sites.length === 0
          ? 'no sites'
          : table(
              ['NAME', 'KIND', 'PROVIDER', 'REGION', 'LABELS'],
              res.sites.map((s) => [
                s.name,
                s.kind,
                s.provider,
                s.region,
                Object.entries(s.labels)
                  .map(([k, v]) => `${k}=${v}`)
                  .join(','),
              ]),
            ),
      );
    });

  site
    .command('show')
    .description('a site and its agents')
    .argument('<name>', 'site name')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      const res = (await clientFrom(globals).get(`/api/v1/sites/${encodeURIComponent(name)}`)) as SiteView;
      if (globals.json) return printJson(res);
      print(`${res.name}  ${res.kind}  ${res.provider ?? ''}  ${res.region ?? ''}`);
      print(res.agents && res.agents.length > 0 ? agentsTable(res.agents) : 'no agents');
    });

  const knownHost = site
    .command('known-host')
    .description('SSH host keys the site trusts (for ssh and ansible steps)');
  knownHost
    .command('add')
    .description('trust a host key, e.g. a line of `ssh-keyscan -t ed25519 HOST` without the host')
    .argument('<site>', 'site name')
    .argument('<host>', 'host or address, optionally host:port')
    .argument('<key>', 'the key: TYPE BASE64')
    .action(async (siteName: string, hostPort: string, key: string, _o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      // host, host:port or [v6]:port; hosts are stored without brackets.
      const m = /^\[(.+)\]:(\d+)$/.exec(hostPort) ?? /^([^:]+):(\d+)$/.exec(hostPort);
      const body = { host: m ? m[1]! : hostPort, port: m ? Number(m[2]) : 22, key };
      const res = await clientFrom(globals).post(
        `/api/v1/sites/${encodeURIComponent(siteName)}/known-hosts`,
        body,
      );
      if (globals.json) return printJson(res);
      print(`site ${siteName} trusts ${key.split(' ')[0] ?? ''} key of ${body.host ?? ''}:${body.port}`);
    });
  knownHost
    .command('list')
    .argument('<site>', 'site name')
    .action(async (siteName: string, _o: unknown, cmd: Command) => {
      const globals = globalsOf(cmd);
      const res = (await clientFrom(globals).get(
        `/api/v1/sites/${encodeURIComponent(siteName)}/known-hosts`,
      )) as {
        known_hosts: { host: string; port: number; key_type: string; public_key: string }[];
      };
      if (globals.json) return printJson(res);
      print(
        table(
          ['HOST', 'PORT', 'TYPE', 'KEY'],
          res.known_hosts.map((k) => [k.host, k.port, k.key_type, `${k.public_key.slice(0, 24)}…`]),
        ),
      );
    });
}
