/** The lab's long-running processes, tracked by pid files so `down` can stop each one. */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { daemon, type RunOptions } from './sh.ts';
import { labPath, logFile, pidFile } from './paths.ts';

export function startProcess(
  name: string,
  cmd: string,
  args: string[],
  o: RunOptions & { cwd?: string } = {},
): number {
  mkdirSync(labPath('logs'), { recursive: true });
  mkdirSync(labPath('pids'), { recursive: true });
  const pid = daemon(cmd, args, logFile(name), o);
  writeFileSync(pidFile(name), String(pid));
  return pid;
}

/** Running, and not a zombie waiting for its parent (or init) to reap it. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

export function trackedPid(name: string): number | undefined {
  try {
    const pid = Number(readFileSync(pidFile(name), 'utf8'));
    return Number.isInteger(pid) && isAlive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Stop a tracked process: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopProcess(name: string, graceMs = 5_000): Promise<void> {
  const pid = trackedPid(name);
  if (pid !== undefined) await killPid(pid, graceMs);
  rmSync(pidFile(name), { force: true });
}

export async function killPid(pid: number, graceMs = 5_000): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
}

export function trackedNames(): string[] {
  try {
    return readdirSync(labPath('pids'))
      .filter((f) => f.endsWith('.pid'))
      .map((f) => f.slice(0, -4));
  } catch {
    return [];
  }
}
