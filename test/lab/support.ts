/**
 * Running the lab from tests: it needs root (network namespaces). Outside CI a machine without
 * root skips the lab tests with one loud line; on CI that is an error.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const ROOT = join(import.meta.dirname, '../..');

export const labProblem: string | undefined = process.getuid?.() === 0 ? undefined : 'not running as root';
if (labProblem !== undefined) {
  if (process.env.CI) throw new Error(`the lab cannot run (${labProblem}): CI must run the lab tests`);
  console.warn(`!!! LAB TESTS SKIPPED: ${labProblem} (they need root for network namespaces) !!!`);
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
