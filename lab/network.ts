/** The lab's network: a bridge in the host, one namespace per site joined to it by a veth pair. */
import { LAB_BRIDGE, LAB_GATEWAY, LAB_PREFIX, sites, vethNames, type LabSite } from './topology.ts';
import { run } from './sh.ts';

const ip = (args: string[], ns?: string) => run('ip', args, ns ? { ns } : {});

async function exists(kind: 'link' | 'netns', name: string): Promise<boolean> {
  const r =
    kind === 'netns'
      ? await run('ip', ['netns', 'list'], {})
      : await run('ip', ['link', 'show', name], { allowFail: true });
  return kind === 'netns' ? r.stdout.split('\n').some((l) => l.split(' ')[0] === name) : r.code === 0;
}

export async function networkUp(): Promise<void> {
  if (!(await exists('link', LAB_BRIDGE))) {
    await ip(['link', 'add', LAB_BRIDGE, 'type', 'bridge']);
    await ip(['addr', 'add', `${LAB_GATEWAY}/${LAB_PREFIX}`, 'dev', LAB_BRIDGE]);
  }
  await ip(['link', 'set', LAB_BRIDGE, 'up']);
  for (const site of sites) await siteUp(site);
}

async function siteUp(site: LabSite): Promise<void> {
  const veth = vethNames(site);
  if (!(await exists('netns', site.ns))) await ip(['netns', 'add', site.ns]);
  await ip(['link', 'set', 'lo', 'up'], site.ns);
  if (!(await exists('link', veth.host))) {
    await ip(['link', 'add', veth.host, 'type', 'veth', 'peer', 'name', veth.inner]);
    await ip(['link', 'set', veth.inner, 'netns', site.ns]);
    await ip(['link', 'set', veth.host, 'master', LAB_BRIDGE]);
    for (const address of [site.address, ...site.hosts.map((h) => h.address)])
      await ip(['addr', 'add', `${address}/${LAB_PREFIX}`, 'dev', veth.inner], site.ns);
  }
  await ip(['link', 'set', veth.host, 'up']);
  await ip(['link', 'set', veth.inner, 'up'], site.ns);
}

/** Add or remove an address of a site (a burst instance's). */
export async function setAddress(site: LabSite, address: string, present: boolean): Promise<void> {
  const veth = vethNames(site);
  const r = await run(
    'ip',
    ['addr', present ? 'add' : 'del', `${address}/${LAB_PREFIX}`, 'dev', veth.inner],
    {
      ns: site.ns,
      allowFail: true,
    },
  );
  if (r.code !== 0 && !/File exists|Cannot assign/.test(r.stderr)) throw new Error(r.stderr);
}

/** Cut a site off the others (its link to the bridge goes down), or join it again. */
export async function setPartitioned(site: LabSite, partitioned: boolean): Promise<void> {
  await ip(['link', 'set', vethNames(site).host, partitioned ? 'down' : 'up']);
}

export async function isPartitioned(site: LabSite): Promise<boolean> {
  const r = await run('ip', ['-o', 'link', 'show', vethNames(site).host], { allowFail: true });
  return r.code === 0 && !/state UP|,UP[,>]/.test(r.stdout);
}

/** Processes running inside a site's namespace. */
export async function namespacePids(site: LabSite): Promise<number[]> {
  const r = await run('ip', ['netns', 'pids', site.ns], { allowFail: true });
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map(Number)
    .filter((n) => Number.isInteger(n));
}

export async function networkDown(): Promise<void> {
  for (const site of sites) {
    if (await exists('link', vethNames(site).host)) await ip(['link', 'del', vethNames(site).host]);
    if (await exists('netns', site.ns)) await ip(['netns', 'del', site.ns]);
  }
  if (await exists('link', LAB_BRIDGE)) await ip(['link', 'del', LAB_BRIDGE]);
}

export async function networkStatus(): Promise<{
  bridge: boolean;
  sites: Record<string, 'up' | 'partitioned' | 'missing'>;
}> {
  const out: Record<string, 'up' | 'partitioned' | 'missing'> = {};
  for (const site of sites)
    out[site.name] = !(await exists('netns', site.ns))
      ? 'missing'
      : (await isPartitioned(site))
        ? 'partitioned'
        : 'up';
  return { bridge: await exists('link', LAB_BRIDGE), sites: out };
}
