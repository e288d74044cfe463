/**
 * Detection of a site partition: idc-shanghai's link is taken down (as `lab partition` does) and
 * the benchmark watches, every 200 ms, each way Tandem (and the monitoring before it) can learn
 * of it, until each has or 80 s passed; then the link comes back and the lab settles.
 *
 * Signals, each timed from the link going down:
 * - prometheus_alert: Prometheus shows an alert about the site firing: `SiteUnreachable` (node
 *   exporter scrapes fail: scrape every 2 s, timeout 1 s; `for: 6s`) or `PostgresDown` for its
 *   database (`for: 4s`), whichever first.
 * - tandem_event: such an alert reached Tandem through Alertmanager (group_wait 1 s) as an event
 *   of the lab's source (`received_at`).
 * - tandem_incident: an incident on the site opened (`opened_at`): events grouped, or the
 *   probes' site incident when the estate has probes.
 * - probe_cut_off: the probes' reachability matrix shows the site cut off (when probes exist).
 * - agent_offline: Tandem shows the site's agent other than online (65 s after it was last seen).
 */
import type { ApiClient } from '../../src/cli/client.ts';
import { setPartitioned } from '../../lab/network.ts';
import { PROMETHEUS_URL } from '../../lab/monitoring.ts';
import { EVENT_SOURCE } from '../../lab/tandem.ts';
import { siteNamed } from '../../lab/topology.ts';
import { OFFLINE_AFTER_MS } from '../../src/server/routes/sites.ts';
import { sleep } from '../engine/stats.ts';
import { ms } from './session.ts';

export const PARTITIONED_SITE = 'idc-shanghai';
export const SIGNALS = [
  'prometheus_alert',
  'tandem_event',
  'tandem_incident',
  'probe_cut_off',
  'agent_offline',
] as const;
export type Signal = (typeof SIGNALS)[number];
/** The signals that are Tandem knowing (the alert in Prometheus is not yet Tandem). */
export const TANDEM_SIGNALS: readonly Signal[] = [
  'tandem_event',
  'tandem_incident',
  'probe_cut_off',
  'agent_offline',
];

export interface Partition {
  /** ms from the link going down to each signal; null when it did not come within the watch. */
  signals: Record<Signal, number | null>;
  /** The alert behind the first event Tandem received about the site. */
  firstAlert: string | null;
  /** The first Tandem signal and its time. */
  detectedBy: Signal | null;
  detectionMs: number | null;
}

/** Long enough for the slowest signal: an agent shows offline 65 s after it was last seen. */
const WATCH_MS = OFFLINE_AFTER_MS + 15_000;

interface Alert {
  labels: Record<string, string>;
  state: string;
}

async function firingInPrometheus(): Promise<boolean> {
  const res = await fetch(`${PROMETHEUS_URL}/api/v1/alerts`);
  const body = (await res.json()) as { data: { alerts: Alert[] } };
  return body.data.alerts.some((a) => a.labels.site === PARTITIONED_SITE && a.state === 'firing');
}

interface EventSeen {
  labels: Record<string, string>;
  site: string | null;
  received_at: string;
}

/** Each signal's time (epoch ms) if it is there now, read from the API; null if not (yet). */
async function look(
  api: ApiClient,
  since: number,
): Promise<{ seen: Partial<Record<Signal, number>>; alert: string | null }> {
  const now = Date.now();
  const seen: Partial<Record<Signal, number>> = {};
  let alert: string | null = null;
  const tries: Promise<void>[] = [
    firingInPrometheus().then((firing) => {
      if (firing) seen.prometheus_alert = now;
    }),
    api.get(`/api/v1/events?source=${EVENT_SOURCE}&status=firing&limit=50`).then((b) => {
      const hit = (b as { events: EventSeen[] }).events
        .filter((e) => (e.site ?? e.labels.site) === PARTITIONED_SITE && ms(e.received_at)! >= since)
        .sort((x, y) => ms(x.received_at)! - ms(y.received_at)!)[0];
      if (hit) {
        seen.tandem_event = ms(hit.received_at)!;
        alert = hit.labels.alertname ?? null;
      }
    }),
    api.get(`/api/v1/incidents?site=${PARTITIONED_SITE}&limit=20`).then((b) => {
      const opened = (b as { incidents: { opened_at: string }[] }).incidents
        .map((i) => ms(i.opened_at)!)
        .filter((t) => t >= since);
      if (opened.length > 0) seen.tandem_incident = Math.min(...opened);
    }),
    api.get('/api/v1/probes/matrix').then((b) => {
      const sites = (b as { sites: { site: string; status: string }[] }).sites;
      if (sites.some((s) => s.site === PARTITIONED_SITE && s.status === 'cut_off')) seen.probe_cut_off = now;
    }),
    api.get('/api/v1/agents').then((b) => {
      const agents = (b as { agents: { site: string; state: string; name: string }[] }).agents;
      const ours = agents.filter((a) => a.site === PARTITIONED_SITE && a.name.startsWith('lab-'));
      if (ours.length > 0 && ours.every((a) => a.state !== 'online')) seen.agent_offline = now;
    }),
  ];
  // An API this server lacks (no probes, say) is a signal that never comes, not a failure.
  await Promise.allSettled(tries);
  return { seen, alert };
}

async function settle(api: ApiClient, log: (line: string) => void): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const agents = (await api.get('/api/v1/agents')) as {
      agents: { site: string; state: string; name: string }[];
    };
    const online = agents.agents.some(
      (a) => a.site === PARTITIONED_SITE && a.name.startsWith('lab-') && a.state === 'online',
    );
    if (online && !(await firingInPrometheus())) return;
    if (Date.now() > deadline) {
      log('  the lab did not settle within 2 min after healing (alert still firing or agent offline)');
      return;
    }
    await sleep(1_000);
  }
}

export async function measurePartitions(
  api: ApiClient,
  n: number,
  log: (line: string) => void,
): Promise<Partition[]> {
  const site = siteNamed(PARTITIONED_SITE);
  const results: Partition[] = [];
  for (let i = 1; i <= n; i++) {
    await settle(api, log);
    const down = Date.now();
    await setPartitioned(site, true);
    const signals = Object.fromEntries(SIGNALS.map((s) => [s, null])) as Record<Signal, number | null>;
    let firstAlert: string | null = null;
    try {
      while (Date.now() - down < WATCH_MS && SIGNALS.some((s) => signals[s] === null)) {
        const { seen, alert } = await look(api, down);
        if (signals.tandem_event === null) firstAlert = alert;
        for (const s of SIGNALS)
          if (signals[s] === null && seen[s] !== undefined) signals[s] = seen[s] - down;
        await sleep(200);
      }
    } finally {
      await setPartitioned(site, false);
    }
    const tandem = TANDEM_SIGNALS.filter((s) => signals[s] !== null).sort(
      (a, b) => signals[a]! - signals[b]!,
    );
    const first = tandem[0] ?? null;
    results.push({
      signals,
      firstAlert,
      detectedBy: first,
      detectionMs: first === null ? null : signals[first],
    });
    log(
      `  partition ${i}/${n}: ${SIGNALS.map((s) => `${s} ${signals[s] === null ? '—' : `${(signals[s] / 1000).toFixed(1)} s`}`).join(', ')}` +
        (firstAlert ? ` (first alert: ${firstAlert})` : ''),
    );
  }
  await settle(api, log);
  return results;
}
