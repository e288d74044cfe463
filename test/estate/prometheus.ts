/**
 * A real Prometheus (Debian's /usr/bin/prometheus) on a free loopback port, scraping what the
 * test says, with its data in a temp dir; and a tiny exporter to scrape.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireProgram } from '../actions/sshd.ts';
import { freePort } from '../support/server-process.ts';

export const PROMETHEUS = '/usr/bin/prometheus';

export interface Scrape {
  job: string;
  targets: string[];
  labels?: Record<string, string>;
}

export interface Prometheus {
  url: string;
  output: () => string;
  stop(): Promise<void>;
}

/** Waits for `fn` to answer something other than undefined, polling; fails after `ms`. */
export async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startPrometheus(scrapes: Scrape[]): Promise<Prometheus> {
  await requireProgram(PROMETHEUS);
  const dir = await mkdtemp(join(tmpdir(), 'tandem-prometheus-'));
  const config = [
    'global:',
    '  scrape_interval: 1s',
    '  scrape_timeout: 1s',
    'scrape_configs:',
    ...scrapes.flatMap((s) => [
      `  - job_name: ${JSON.stringify(s.job)}`,
      '    static_configs:',
      `      - targets: ${JSON.stringify(s.targets)}`,
      `        labels: ${JSON.stringify(s.labels ?? {})}`,
    ]),
    '',
  ].join('\n');
  await writeFile(join(dir, 'prometheus.yml'), config);
  const port = await freePort();
  const child = spawn(
    PROMETHEUS,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
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
    await until('Prometheus to be ready', async () => {
      if (child.exitCode !== null) throw new Error(`prometheus exited:\n${out}`);
      return (await fetch(`${url}/-/ready`)).ok ? true : undefined;
    });
  } catch (err: unknown) {
    await stop();
    throw new Error(`${String(err)}\n${out}`, { cause: err });
  }
  return { url, output: () => out, stop };
}

/** An HTTP server answering `/metrics` in the text exposition format. */
export async function startExporter(): Promise<{ address: string; stop(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    if (req.url === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end('# TYPE tandem_test_up gauge\ntandem_test_up 1\n');
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  if (typeof addr !== 'object' || addr === null) throw new Error('no address');
  return {
    address: `127.0.0.1:${addr.port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
