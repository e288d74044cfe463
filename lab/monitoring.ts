/**
 * The lab's monitoring: node_exporter in every site, postgres_exporter beside each PostgreSQL,
 * HAProxy's own metrics, one Prometheus and one Alertmanager on the bridge's host address.
 * Alertmanager posts to Tandem once the lab has an event source there (see tandem.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { hostNamed, LAB_GATEWAY, PORTS, sites } from './topology.ts';
import { labPath } from './paths.ts';
import { startProcess, stopProcess, trackedPid } from './processes.ts';
import { run, waitFor } from './sh.ts';
import { PRIMARY, STANDBY, socketDir } from './postgres.ts';
import { LB } from './web.ts';

export const PROMETHEUS_URL = `http://${LAB_GATEWAY}:${PORTS.prometheus}`;
export const ALERTMANAGER_URL = `http://${LAB_GATEWAY}:${PORTS.alertmanager}`;

/** Where Alertmanager sends alerts: Tandem's receiver for the lab's event source. */
export interface AlertReceiver {
  url: string;
  bearer: string;
}

function prometheusConfig(): string {
  const target = (address: string, port: number, labels: Record<string, string>) =>
    `      - targets: ['${address}:${port}']\n        labels: ${JSON.stringify(labels)}`;
  const nodes = sites.map((s) =>
    target(s.address, PORTS.nodeExporter, { site: s.name, resource: `${s.name}-agent` }),
  );
  const pg = [PRIMARY, STANDBY].map((name) => {
    const { site, host } = hostNamed(name);
    return target(host.address, PORTS.postgresExporter, {
      site: site.name,
      resource: name,
      kind: 'database',
    });
  });
  const lb = hostNamed(LB);
  return `global:
  scrape_interval: 2s
  scrape_timeout: 1s
  evaluation_interval: 2s
rule_files: ['${labPath('prometheus', 'rules.yml')}']
alerting:
  alertmanagers:
    - static_configs:
        - targets: ['${LAB_GATEWAY}:${PORTS.alertmanager}']
scrape_configs:
  - job_name: node
    static_configs:
${nodes.join('\n')}
  - job_name: postgres
    static_configs:
${pg.join('\n')}
  - job_name: haproxy
    static_configs:
${target(lb.host.address, PORTS.haproxyStats, { site: lb.site.name, resource: LB, kind: 'load_balancer' })}
`;
}

const RULES = `groups:
  - name: lab
    rules:
      - alert: PostgresDown
        expr: pg_up == 0 or up{job="postgres"} == 0
        for: 4s
        labels: { severity: critical }
        annotations: { summary: 'PostgreSQL {{ $labels.resource }} in {{ $labels.site }} is down' }
      - alert: WebBackendsDown
        expr: haproxy_backend_active_servers{proxy="web"} < 1
        for: 4s
        labels: { severity: critical, resource: web }
        annotations: { summary: 'no web instance serves behind HAProxy' }
      - alert: SiteUnreachable
        expr: up{job="node"} == 0
        for: 6s
        labels: { severity: critical }
        annotations: { summary: 'site {{ $labels.site }} does not answer' }
      - alert: WebLoadHigh
        expr: sum(rate(haproxy_backend_http_requests_total{proxy="web"}[20s])) > 50
        for: 10s
        labels: { severity: warning, resource: web }
        annotations: { summary: 'web load above 50 requests/s' }
`;

function alertmanagerConfig(receiver: AlertReceiver | null): string {
  const webhook = receiver
    ? `    webhook_configs:
      - url: '${receiver.url}'
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials: '${receiver.bearer}'`
    : '';
  return `route:
  receiver: tandem
  group_by: ['alertname', 'site', 'resource']
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 1h
receivers:
  - name: tandem
${webhook}
`;
}

async function httpOk(url: string, ns?: string): Promise<boolean> {
  const r = await run('curl', ['-fsS', '-m', '1', '-o', '/dev/null', url], {
    ...(ns ? { ns } : {}),
    allowFail: true,
  });
  return r.code === 0;
}

export async function monitoringUp(receiver: AlertReceiver | null): Promise<void> {
  for (const s of sites)
    if (trackedPid(`node-exporter-${s.name}`) === undefined)
      startProcess(
        `node-exporter-${s.name}`,
        '/usr/bin/prometheus-node-exporter',
        [
          `--web.listen-address=${s.address}:${PORTS.nodeExporter}`,
          '--collector.disable-defaults',
          '--collector.cpu',
          '--collector.meminfo',
          '--collector.loadavg',
          '--collector.filesystem',
          '--collector.netdev',
        ],
        { ns: s.ns },
      );
  for (const name of [PRIMARY, STANDBY]) {
    const { site, host } = hostNamed(name);
    if (trackedPid(`pg-exporter-${name}`) === undefined)
      startProcess(
        'pg-exporter-' + name,
        '/usr/bin/prometheus-postgres-exporter',
        [`--web.listen-address=${host.address}:${PORTS.postgresExporter}`],
        {
          ns: site.ns,
          env: { DATA_SOURCE_NAME: `host=${socketDir(name)} user=postgres dbname=postgres sslmode=disable` },
        },
      );
  }
  mkdirSync(labPath('prometheus', 'data'), { recursive: true });
  writeFileSync(labPath('prometheus', 'prometheus.yml'), prometheusConfig());
  writeFileSync(labPath('prometheus', 'rules.yml'), RULES);
  if (trackedPid('prometheus') === undefined)
    startProcess('prometheus', '/usr/bin/prometheus', [
      `--config.file=${labPath('prometheus', 'prometheus.yml')}`,
      `--storage.tsdb.path=${labPath('prometheus', 'data')}`,
      `--web.listen-address=${LAB_GATEWAY}:${PORTS.prometheus}`,
      '--storage.tsdb.retention.time=2d',
      '--web.enable-lifecycle',
    ]);
  await configureAlertmanager(receiver);
  await waitFor('Prometheus', () => httpOk(`${PROMETHEUS_URL}/-/ready`), 60_000);
  await waitFor('Alertmanager', () => httpOk(`${ALERTMANAGER_URL}/-/ready`), 30_000);
}

/** (Re)write Alertmanager's receiver and start it, or make the running one reload. */
export async function configureAlertmanager(receiver: AlertReceiver | null): Promise<void> {
  mkdirSync(labPath('alertmanager', 'data'), { recursive: true });
  writeFileSync(labPath('alertmanager', 'alertmanager.yml'), alertmanagerConfig(receiver));
  if (trackedPid('alertmanager') === undefined)
    startProcess('alertmanager', '/usr/bin/prometheus-alertmanager', [
      `--config.file=${labPath('alertmanager', 'alertmanager.yml')}`,
      `--storage.path=${labPath('alertmanager', 'data')}`,
      `--web.listen-address=${LAB_GATEWAY}:${PORTS.alertmanager}`,
      '--cluster.listen-address=',
    ]);
  else await run('curl', ['-fsS', '-m', '5', '-X', 'POST', `${ALERTMANAGER_URL}/-/reload`]);
}

export async function monitoringDown(): Promise<void> {
  for (const name of [
    'alertmanager',
    'prometheus',
    `pg-exporter-${PRIMARY}`,
    `pg-exporter-${STANDBY}`,
    ...sites.map((s) => `node-exporter-${s.name}`),
  ])
    await stopProcess(name);
}
