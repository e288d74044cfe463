/** Where the server's CPU time went, from the V8 CPU profile `node --cpu-prof` wrote. */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

export interface HotFunction {
  /** Function name and `file:line` (relative to the repository where it is in it). */
  where: string;
  selfMs: number;
  /** Share of the time the server was not idle. */
  pct: number;
}

/** The functions with the most self time, over the server's whole life. */
export async function hotFunctions(dir: string, top = 15): Promise<HotFunction[]> {
  const file = (await readdir(dir)).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile in ${dir}`);
  const p = JSON.parse(await readFile(join(dir, file), 'utf8')) as CpuProfile;
  const label = new Map<number, string>();
  for (const n of p.nodes) {
    const { functionName, url, lineNumber } = n.callFrame;
    const path = url.startsWith('file://') ? relative(root, fileURLToPath(url)) : url;
    label.set(n.id, `${functionName || '(anonymous)'}${path ? ` ${path}:${lineNumber + 1}` : ''}`);
  }
  const self = new Map<string, number>();
  p.samples.forEach((id, i) => {
    const key = label.get(id) ?? '?';
    self.set(key, (self.get(key) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);
  });
  const busy = [...self].filter(([k]) => !k.startsWith('(idle)')).reduce((a, [, ms]) => a + ms, 0);
  return [...self]
    .filter(([k]) => !k.startsWith('(idle)'))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([where, ms]) => ({ where, selfMs: Math.round(ms), pct: Math.round((ms / busy) * 1000) / 10 }));
}
