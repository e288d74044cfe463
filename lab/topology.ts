/**
 * The lab's hybrid estate, as data: three sites, each a network namespace joined to one bridge,
 * with hosts as addresses inside it. Everything else (network, services, agents, the estate
 * registered in Tandem) is derived from this.
 *
 * Addresses are in 10.77.0.0/16 and exist only inside the lab's namespaces and on its bridge:
 * no traffic leaves the machine.
 */

export interface LabHost {
  name: string;
  address: string;
  /** What runs there; also the agent label steps route on. */
  roles: string[];
}

export interface LabSite {
  name: string;
  kind: 'idc' | 'public-cloud' | 'edge';
  provider: string | null;
  region: string;
  /** The network namespace (≤ 15 characters with the veth names derived from it). */
  ns: string;
  /** The site's own address (its agent's), first on its veth. */
  address: string;
  hosts: LabHost[];
}

export const LAB_BRIDGE = 'tdmlab0';
/** The host side of the bridge: where the lab's Prometheus, Alertmanager and Tandem forwarder listen. */
export const LAB_GATEWAY = '10.77.0.1';
export const LAB_PREFIX = 16;

export const sites: LabSite[] = [
  {
    name: 'idc-shanghai',
    kind: 'idc',
    provider: null,
    region: 'cn-shanghai',
    ns: 'tdm-idc-sh',
    address: '10.77.1.1',
    hosts: [
      { name: 'pg-sh-1', address: '10.77.1.10', roles: ['postgres', 'primary'] },
      { name: 'web-sh-1', address: '10.77.1.21', roles: ['web'] },
      { name: 'web-sh-2', address: '10.77.1.22', roles: ['web'] },
    ],
  },
  {
    name: 'cloud-hangzhou',
    kind: 'public-cloud',
    provider: 'aliyun',
    region: 'cn-hangzhou',
    ns: 'tdm-cloud-hz',
    address: '10.77.2.1',
    hosts: [
      { name: 'pg-hz-1', address: '10.77.2.10', roles: ['postgres', 'standby'] },
      { name: 'backup-hz-1', address: '10.77.2.40', roles: ['backup'] },
    ],
  },
  {
    name: 'edge-1',
    kind: 'edge',
    provider: null,
    region: 'cn-east',
    ns: 'tdm-edge-1',
    address: '10.77.3.1',
    hosts: [
      { name: 'lb-edge-1', address: '10.77.3.10', roles: ['haproxy'] },
      { name: 'pg-scratch-1', address: '10.77.3.30', roles: ['postgres', 'scratch'] },
    ],
  },
];

/** Addresses for web instances added by a burst into the public cloud (one per instance). */
export const BURST_ADDRESSES = ['10.77.2.21', '10.77.2.22', '10.77.2.23', '10.77.2.24'];

export const PORTS = {
  postgres: 5432,
  web: 80,
  haproxy: 80,
  haproxyStats: 8404,
  nodeExporter: 9100,
  postgresExporter: 9187,
  prometheus: 9090,
  alertmanager: 9093,
  tandem: 7300,
  backupHttp: 8080,
} as const;

export function siteNamed(name: string): LabSite {
  const site = sites.find((s) => s.name === name);
  if (!site) throw new Error(`no lab site ${name}: the sites are ${sites.map((s) => s.name).join(', ')}`);
  return site;
}

export function hostNamed(name: string): { site: LabSite; host: LabHost } {
  for (const site of sites) {
    const host = site.hosts.find((h) => h.name === name);
    if (host) return { site, host };
  }
  throw new Error(`no lab host ${name}`);
}

/** The veth pair of a site: `<ns>-h` on the host's bridge, `<ns>-n` inside the namespace. */
export const vethNames = (site: LabSite) => ({
  host: `${site.ns.slice(0, 12)}-h`,
  inner: `${site.ns.slice(0, 12)}-n`,
});
