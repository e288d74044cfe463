/**
 * `npm run lab -- up|down|status|partition SITE|heal SITE|web start|stop NAME SITE ADDRESS`:
 * the hybrid lab on this machine (needs root). See lab/README.md.
 */
import { rmSync } from 'node:fs';
import { clientFrom } from '../src/cli/client.ts';
import {
  isPartitioned,
  namespacePids,
  networkDown,
  networkStatus,
  networkUp,
  setAddress,
  setPartitioned,
} from './network.ts';
import { LAB_DIR } from './paths.ts';
import { postgresDown, postgresStatus, postgresUp } from './postgres.ts';
import { killPid, stopProcess, trackedNames, trackedPid } from './processes.ts';
import { sites, siteNamed } from './topology.ts';
import { registerInTandem, revokeLabAgents, tandemDown, tandemTarget } from './tandem.ts';
import {
  monitoringDown,
  monitoringUp,
  configureAlertmanager,
  PROMETHEUS_URL,
  ALERTMANAGER_URL,
} from './monitoring.ts';
import { startWeb, stopWeb, webDown, webUp } from './web.ts';
import { backupStoreDown, backupStoreUp } from './backup.ts';

const say = (line: string) => console.log(line);

async function up(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('the lab makes network namespaces: run it as root');
  const started = Date.now();
  const step = async (what: string, fn: () => Promise<unknown>) => {
    const t = Date.now();
    await fn();
    say(`✔ ${what} (${((Date.now() - t) / 1000).toFixed(1)} s)`);
  };
  await step('network: bridge tdmlab0 and a namespace per site', networkUp);
  await step('PostgreSQL: primary in idc-shanghai, synchronous standby in cloud-hangzhou', postgresUp);
  await step('web: nginx ×2 in idc-shanghai behind HAProxy in edge-1', webUp);
  await step('backup store: backup-hz-1 in cloud-hangzhou, served on 10.77.2.40:8080', backupStoreUp);
  await step('monitoring: exporters, Prometheus, Alertmanager', () => monitoringUp(null));
  const target = tandemTarget(clientFrom({}, process.env));
  let notes: string[] = [];
  await step(`Tandem at ${target.url.origin}: sites, agents, estate, event source`, async () => {
    const r = await registerInTandem(target);
    notes = r.notes;
    if (r.receiver) await configureAlertmanager(r.receiver);
  });
  for (const n of notes) say(`  note: ${n}`);
  say(
    `lab up in ${((Date.now() - started) / 1000).toFixed(1)} s — Prometheus ${PROMETHEUS_URL}, Alertmanager ${ALERTMANAGER_URL}, shop http://10.77.3.10/`,
  );
}

async function down(opts: { keepData: boolean }): Promise<void> {
  await tandemDown().catch(() => {});
  // Best effort: the server may be gone already.
  if (!opts.keepData) await revokeLabAgents(tandemTarget(clientFrom({}, process.env))).catch(() => {});
  await monitoringDown();
  await webDown();
  await backupStoreDown();
  await postgresDown();
  for (const name of trackedNames()) await stopProcess(name);
  // Anything else still inside a lab namespace (a burst instance a runbook started…).
  for (const site of sites)
    for (const pid of await namespacePids(site).catch(() => [])) await killPid(pid, 3_000);
  await networkDown();
  if (!opts.keepData) rmSync(LAB_DIR, { recursive: true, force: true });
  say('lab down: namespaces, bridge and processes removed');
}

async function status(): Promise<void> {
  const net = await networkStatus();
  say(
    `network: bridge ${net.bridge ? 'up' : 'missing'}; ${Object.entries(net.sites)
      .map(([s, st]) => `${s} ${st}`)
      .join(', ')}`,
  );
  say(
    `postgres: ${Object.entries(await postgresStatus().catch(() => ({})))
      .map(([h, st]) => `${h} ${st}`)
      .join(', ')}`,
  );
  const procs = trackedNames().map((n) => `${n}${trackedPid(n) === undefined ? ' (dead)' : ''}`);
  say(`processes: ${procs.join(', ') || 'none'}`);
}

async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'up':
      return up();
    case 'down':
      return down({ keepData: rest.includes('--keep-data') });
    case 'status':
      return status();
    case 'partition':
    case 'heal': {
      const site = siteNamed(rest[0] ?? '');
      await setPartitioned(site, cmd === 'partition');
      return say(`${site.name} ${(await isPartitioned(site)) ? 'cut off' : 'joined'}`);
    }
    case 'web': {
      const [action, name, siteName, address] = rest;
      if (!name || (action === 'start' && (!siteName || !address)))
        throw new Error('usage: lab web start NAME SITE ADDRESS | lab web stop NAME SITE ADDRESS');
      if (action === 'start') {
        await setAddress(siteNamed(siteName!), address!, true);
        await startWeb(name, address!, siteName!);
      } else {
        await stopWeb(name);
        if (siteName && address) await setAddress(siteNamed(siteName), address, false);
      }
      return say(`web ${name} ${action === 'start' ? 'started' : 'stopped'}`);
    }
    default:
      throw new Error(
        'usage: npm run lab -- up | down [--keep-data] | status | partition SITE | heal SITE | web start|stop NAME SITE ADDRESS',
      );
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(`lab: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
