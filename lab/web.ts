/**
 * The lab's web tier: nginx instances (two in idc-shanghai, more when a burst adds them in
 * cloud-hangzhou) behind HAProxy in edge-1, which is also the entry clients use for PostgreSQL.
 * HAProxy's runtime API (a unix socket) is how runbooks repoint and scale it.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { hostNamed, PORTS, sites, BURST_ADDRESSES, siteNamed } from './topology.ts';
import { labPath } from './paths.ts';
import { startProcess, stopProcess, trackedPid } from './processes.ts';
import { run, waitFor } from './sh.ts';

export const LB = 'lb-edge-1';
export const HAPROXY_SOCKET = () => labPath('run', 'haproxy.sock');
/** Template slots for burst instances, `web/burst1`…: HAProxy 2.6 fills them at run time. */
export const BURST_SLOTS = BURST_ADDRESSES.length;

/** The release every web instance starts with (`release.conf` beside its nginx.conf). */
export const INITIAL_RELEASE = 'set $release v1;\n';

export const webHosts = () =>
  sites.flatMap((s) => s.hosts.filter((h) => h.roles.includes('web')).map((h) => ({ site: s, host: h })));

function nginxConfig(name: string, address: string, siteName: string): string {
  const dir = labPath('web', name);
  return `daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${labPath('logs', `${name}.nginx-error.log`)};
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  default_type text/plain;
  server {
    listen ${address}:${PORTS.web};
    # What a release (a patch, see rolling-patch) changes: it sets $release, shown on every page.
    include ${dir}/release.conf;
    location = /health { return 200 "ok ${name} $release\\n"; }
    location / { return 200 "hello from ${name} in ${siteName} ($release)\\n"; }
  }
}
`;
}

/** Start one nginx instance (the burst runbook calls this for new instances through the CLI). */
export async function startWeb(name: string, address: string, siteName: string): Promise<void> {
  const site = siteNamed(siteName);
  const dir = labPath('web', name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/nginx.conf`, nginxConfig(name, address, siteName));
  if (!existsSync(`${dir}/release.conf`)) writeFileSync(`${dir}/release.conf`, INITIAL_RELEASE);
  if (trackedPid(`web-${name}`) === undefined)
    startProcess(`web-${name}`, '/usr/sbin/nginx', ['-c', `${dir}/nginx.conf`], { ns: site.ns });
  await waitFor(`nginx ${name} on ${address}`, async () => {
    const r = await run('curl', ['-fsS', '-m', '1', `http://${address}:${PORTS.web}/health`], {
      ns: site.ns,
      allowFail: true,
    });
    return r.code === 0;
  });
}

export async function stopWeb(name: string): Promise<void> {
  await stopProcess(`web-${name}`);
}

function haproxyConfig(): string {
  const lb = hostNamed(LB).host.address;
  const primary = hostNamed('pg-sh-1').host.address;
  const servers = webHosts()
    .map(({ host }) => `  server ${host.name} ${host.address}:${PORTS.web} check inter 1s fall 2 rise 1`)
    .join('\n');
  return `global
  stats socket ${HAPROXY_SOCKET()} mode 600 level admin
  pidfile ${labPath('run', 'haproxy.pid')}
  log stderr format short local0 info

defaults
  log global
  timeout connect 2s
  timeout client 60s
  timeout server 60s

frontend web
  mode http
  bind ${lb}:${PORTS.haproxy}
  default_backend web

backend web
  mode http
  balance roundrobin
  option httpchk GET /health
${servers}
  server-template burst 1-${BURST_SLOTS} 127.0.0.1:${PORTS.web} check inter 1s fall 2 rise 1 disabled

listen pg
  mode tcp
  bind ${lb}:${PORTS.postgres}
  option tcp-check
  server primary ${primary}:${PORTS.postgres} check inter 1s fall 2 rise 1 on-marked-down shutdown-sessions

frontend stats
  mode http
  bind ${lb}:${PORTS.haproxyStats}
  http-request use-service prometheus-exporter if { path /metrics }
  stats enable
  stats uri /stats
`;
}

export async function haproxy(command: string): Promise<string> {
  const r = await run('socat', ['-t', '2', 'stdio', `unix-connect:${HAPROXY_SOCKET()}`], {
    input: `${command}\n`,
  });
  return r.stdout.trim();
}

export async function webUp(): Promise<void> {
  for (const { site, host } of webHosts()) await startWeb(host.name, host.address, site.name);
  const lbSite = hostNamed(LB).site;
  mkdirSync(labPath('run'), { recursive: true });
  writeFileSync(labPath('haproxy.cfg'), haproxyConfig());
  if (trackedPid('haproxy') === undefined)
    startProcess('haproxy', '/usr/sbin/haproxy', ['-f', labPath('haproxy.cfg'), '-db'], { ns: lbSite.ns });
  const lb = hostNamed(LB).host.address;
  await waitFor('HAProxy to serve the web tier', async () => {
    const r = await run('curl', ['-fsS', '-m', '1', `http://${lb}:${PORTS.haproxy}/`], {
      ns: lbSite.ns,
      allowFail: true,
    });
    return r.code === 0;
  });
}

export async function webDown(): Promise<void> {
  await stopProcess('haproxy');
  for (const { host } of webHosts()) await stopWeb(host.name);
}
