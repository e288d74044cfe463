/**
 * The lab's backup store: a folder of `backup-hz-1` in cloud-hangzhou (another site than the
 * primary's) where `backup-verify` keeps base backups and the WAL archive, served read-only over
 * HTTP on 10.77.2.40:8080 so a restore in a third site fetches it across the lab network.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { hostNamed, PORTS } from './topology.ts';
import { labPath, logFile } from './paths.ts';
import { startProcess, stopProcess, trackedPid } from './processes.ts';
import { run, waitFor } from './sh.ts';

export const BACKUP_HOST = 'backup-hz-1';
export const BACKUP_DIR = () => labPath('backups');

function nginxConfig(address: string): string {
  const dir = labPath('web', 'backup-http');
  // Workers as root: base backups and WAL are written 0600 by the PostgreSQL tools.
  return `daemon off;
user root;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${logFile('backup-http.nginx-error')};
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  default_type application/octet-stream;
  server {
    listen ${address}:${PORTS.backupHttp};
    root ${BACKUP_DIR()};
    autoindex on;
    location / { limit_except GET HEAD { deny all; } }
  }
}
`;
}

export async function backupStoreUp(): Promise<void> {
  const { site, host } = hostNamed(BACKUP_HOST);
  mkdirSync(BACKUP_DIR(), { recursive: true });
  mkdirSync(labPath('web', 'backup-http'), { recursive: true });
  writeFileSync(labPath('web', 'backup-http', 'nginx.conf'), nginxConfig(host.address));
  if (trackedPid('backup-http') === undefined)
    startProcess('backup-http', '/usr/sbin/nginx', ['-c', labPath('web', 'backup-http', 'nginx.conf')], {
      ns: site.ns,
    });
  await waitFor(`the backup store on ${host.address}:${PORTS.backupHttp}`, async () => {
    const r = await run(
      'curl',
      ['-fsS', '-m', '1', '-o', '/dev/null', `http://${host.address}:${PORTS.backupHttp}/`],
      {
        ns: site.ns,
        allowFail: true,
      },
    );
    return r.code === 0;
  });
}

export async function backupStoreDown(): Promise<void> {
  await stopProcess('backup-http');
}
