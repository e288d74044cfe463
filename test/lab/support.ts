/**
 * Running the lab from tests: it needs root (network namespaces). Outside CI a machine without
 * root skips the lab tests with one loud line; on CI that is an error.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const ROOT = join(import.meta.dirname, '../..');

export const labProblem: string | undefined = process.getuid?.() === 0 ? undefined : 'not running as root';
if (labProblem !== undefined) {
  if (process.env.CI) throw new Error(`the lab cannot run (${labProblem}): CI must run the lab tests`);
  console.warn(`!!! LAB TESTS SKIPPED: ${labProblem} (they need root for network namespaces) !!!`);
}

const LOCK = '/tmp/tandem-lab.lock';

/**
 * There is one lab per machine (fixed namespaces and addresses): test files that use it take
 * this lock for their whole run, so two of them (vitest runs files in parallel) take turns.
 * A lock whose holder died is taken over.
 */
export async function acquireLabLock(timeoutMs = 900_000): Promise<() => void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(`${LOCK}/pid`, String(process.pid));
      return () => rmSync(LOCK, { recursive: true, force: true });
    } catch {
      let holder = NaN;
      try {
        holder = Number(readFileSync(`${LOCK}/pid`, 'utf8'));
      } catch {
        // being created or removed right now
      }
      if (Number.isInteger(holder) && !isRunning(holder)) rmSync(LOCK, { recursive: true, force: true });
      if (Date.now() > deadline)
        throw new Error(`the lab stayed locked by pid ${holder} for ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** `npm run lab -- …` against a Tandem server, answering its output; throws on failure. */
export async function lab(args: string[], server: { url: string; token: string }): Promise<string> {
  const { stdout, stderr } = await exec(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'lab/main.ts'), ...args],
    {
      cwd: ROOT,
      env: { ...process.env, TANDEM_SERVER: server.url, TANDEM_TOKEN: server.token },
      maxBuffer: 16 * 1024 * 1024,
      timeout: 240_000,
    },
  );
  return stdout + stderr;
}

/** Run a shell line inside a lab site's namespace. */
export async function inSite(ns: string, line: string): Promise<string> {
  const { stdout } = await exec('ip', ['netns', 'exec', ns, 'sh', '-c', line], { timeout: 30_000 });
  return stdout;
}
