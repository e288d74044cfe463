/** Host facts an agent reports: what an SRE checks first about a machine. */
import { statfs } from 'node:fs/promises';
import os from 'node:os';

export interface HostFacts {
  hostname: string;
  os: string;
  kernel: string;
  arch: string;
  cpus: number;
  memory_bytes: number;
  disks: { path: string; size_bytes: number; free_bytes: number }[];
  addresses: string[];
  node: string;
}

export async function collectFacts(paths: string[] = ['/']): Promise<HostFacts> {
  const disks: HostFacts['disks'] = [];
  for (const path of paths) {
    try {
      const s = await statfs(path);
      disks.push({ path, size_bytes: s.blocks * s.bsize, free_bytes: s.bavail * s.bsize });
    } catch {
      // A path that is not mounted here is left out.
    }
  }
  const addresses = Object.values(os.networkInterfaces())
    .flat()
    .filter((i) => i !== undefined && !i.internal)
    .map((i) => i!.address);
  return {
    hostname: os.hostname(),
    os: `${os.type()} ${os.version()}`,
    kernel: os.release(),
    arch: os.arch(),
    cpus: os.cpus().length,
    memory_bytes: os.totalmem(),
    disks,
    addresses,
    node: process.version,
  };
}
