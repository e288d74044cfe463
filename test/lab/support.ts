/**
 * Running the lab from tests: it needs root (network namespaces). Outside CI a machine without
 * root skips the lab tests with one loud line; on CI that is an error.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  client,
  freePort,
  startServerProcess,
  TEST_TOKEN,
  type ServerProcess,
} from '../support/server-process.ts';

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

/** An API client as `client()` of test/support/server-process.ts makes it. */
type Api = ReturnType<typeof client>;

/** A run as `GET /api/v1/runs/:id` shows it. */
export interface RunView {
  id: string;
  status: string;
  error: string | null;
  outputs: Record<string, string> | null;
  steps: {
    /** The step's key: `id`, `id[n]` (a foreach item) or `id~compensate`. */
    id: string;
    step_id: string;
    phase: string;
    status: string;
    site: string | null;
    error: string | null;
    outputs: Record<string, string> | null;
    child_run_id: string | null;
  }[];
}

const FINISHED = new Set(['succeeded', 'failed', 'cancelled']);

/** Wait for a run to finish; answers it as `GET /api/v1/runs/:id` shows it. */
export async function waitForRun(api: Api, id: string, timeoutMs = 120_000): Promise<RunView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = (await api('GET', `/api/v1/runs/${id}`)).body as RunView;
    if (FINISHED.has(run.status)) return run;
    if (Date.now() > deadline) throw new Error(`run ${id} still ${run.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The logs of a run, step by step (in the order they first logged), one `[step] line` per line. */
export async function runLogs(api: Api, id: string): Promise<string> {
  const answer = (await api('GET', `/api/v1/runs/${id}/logs`)).body as {
    logs: { step: string; data: string }[];
  };
  // Chunks may split lines: join each step's chunks first.
  const byStep = new Map<string, string>();
  for (const l of answer.logs) byStep.set(l.step, (byStep.get(l.step) ?? '') + l.data);
  return [...byStep]
    .flatMap(([step, text]) =>
      text
        .split('\n')
        .filter(Boolean)
        .map((line) => `[${step}] ${line}`),
    )
    .join('\n');
}

/** Wait until `check` answers a value (not undefined), or fail naming `what`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  ms = 60_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * A Tandem server of its own and the lab registered in it, for one test file: takes the lab lock,
 * takes down a lab left over by an interrupted run, and brings it up. `down()` undoes it all.
 */
export async function labSuite(o: { env?: Record<string, string> } = {}): Promise<{
  server: ServerProcess;
  api: Api;
  target: { url: string; token: string };
  /** Tandem as agents inside the lab reach it (through the lab's forwarder). */
  labUrl: string;
  down(): Promise<void>;
}> {
  const unlock = await acquireLabLock();
  const dir = await mkdtemp(join(tmpdir(), 'tandem-lab-'));
  let server: ServerProcess | undefined;
  const down = async () => {
    if (server) await lab(['down'], { url: server.url, token: TEST_TOKEN }).catch(() => {});
    await server?.kill();
    await rm(dir, { recursive: true, force: true });
    unlock();
  };
  try {
    const port = await freePort();
    server = await startServerProcess({ port, dataDir: dir, ...(o.env ? { env: o.env } : {}) });
    const target = { url: server.url, token: TEST_TOKEN };
    await lab(['down'], target);
    await lab(['up'], target);
    return { server, api: client(server.url), target, labUrl: `http://10.77.0.1:${port}`, down };
  } catch (err) {
    await down();
    throw err;
  }
}
