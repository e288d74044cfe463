/**
 * A real Alertmanager (Debian's /usr/bin/prometheus-alertmanager) on a free loopback port, its
 * one receiver a webhook to Tandem with the source's bearer token, as the README shows it; and
 * pushing alerts to it through its own API (`POST /api/v2/alerts`), as Prometheus does.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireProgram } from '../actions/sshd.ts';
import { until } from '../estate/prometheus.ts';
import { freePort } from '../support/server-process.ts';

export const ALERTMANAGER = '/usr/bin/prometheus-alertmanager';

export interface Alertmanager {
  url: string;
  output: () => string;
  /** Send alerts as Prometheus does; an alert whose `endsAt` is past is resolved. */
  push(alerts: PushedAlert[]): Promise<void>;
  stop(): Promise<void>;
}

export interface PushedAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
  endsAt?: string;
  generatorURL?: string;
}

/** The config: every alert to Tandem, grouped by alert name and instance, flushed within a second. */
export function alertmanagerConfig(receiver: { url: string; token: string }): string {
  return [
    'route:',
    '  receiver: tandem',
    "  group_by: ['alertname', 'instance']",
    '  group_wait: 1s',
    '  group_interval: 1s',
    '  repeat_interval: 1h',
    'receivers:',
    '  - name: tandem',
    '    webhook_configs:',
    `      - url: '${receiver.url}'`,
    '        send_resolved: true',
    '        http_config:',
    '          authorization:',
    '            type: Bearer',
    `            credentials: '${receiver.token}'`,
    '',
  ].join('\n');
}

export async function startAlertmanager(receiver: { url: string; token: string }): Promise<Alertmanager> {
  await requireProgram(ALERTMANAGER);
  const dir = await mkdtemp(join(tmpdir(), 'tandem-alertmanager-'));
  await writeFile(join(dir, 'alertmanager.yml'), alertmanagerConfig(receiver));
  const port = await freePort();
  const child = spawn(
    ALERTMANAGER,
    [
      `--config.file=${join(dir, 'alertmanager.yml')}`,
      `--storage.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // One Alertmanager, no cluster: no gossip port to find.
      '--cluster.listen-address=',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await until('Alertmanager to be ready', async () => {
      if (child.exitCode !== null) throw new Error(`alertmanager exited:\n${out}`);
      return (await fetch(`${url}/-/ready`)).ok ? true : undefined;
    });
  } catch (err: unknown) {
    await stop();
    throw new Error(`${String(err)}\n${out}`, { cause: err });
  }
  return {
    url,
    output: () => out,
    async push(alerts) {
      const res = await fetch(`${url}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(alerts),
      });
      if (!res.ok) throw new Error(`Alertmanager refused the alerts: ${res.status} ${await res.text()}`);
    },
    stop,
  };
}
