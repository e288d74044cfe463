/**
 * The lab the DR benchmark runs on: the machine-wide lab lock, a fresh `tandem server` (which
 * applies the runbook catalog at start), and `npm run lab -- up`; all undone by the cleanup.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient } from '../../src/cli/client.ts';
import { acquireLabLock, lab } from '../../test/lab/support.ts';
import { startServerProcess, type ServerProcess } from '../agents/server-process.ts';
import type { Cleanup } from '../agents/run.ts';
import { sleep } from '../engine/stats.ts';

export interface LabSession {
  api: ApiClient;
  server: ServerProcess;
  dir: string;
  /** `npm run lab -- …` against this server. */
  lab(args: string[]): Promise<string>;
  labUpSeconds: number;
}

/** A run as the API shows it, with the fields the benchmark reads. */
export interface RunView {
  id: string;
  status: string;
  started_at: string | null;
  finished_at: string | null;
  outputs: Record<string, unknown> | null;
  steps: { id: string; status: string; outputs: Record<string, unknown>; error: string | null }[];
}

export const TERMINAL = new Set(['succeeded', 'failed', 'cancelled']);

export async function openLab(cleanup: Cleanup, log: (line: string) => void): Promise<LabSession> {
  if (process.getuid?.() !== 0)
    throw new Error('the lab makes network namespaces: run the benchmark as root');
  log('waiting for the lab lock (one lab per machine)…');
  const unlock = await acquireLabLock();
  cleanup.add(unlock);
  const dir = await mkdtemp(join(tmpdir(), 'tandem-bench-dr-'));
  cleanup.add(() => rm(dir, { recursive: true, force: true }));
  const server = await startServerProcess({ dataDir: join(dir, 'data') });
  cleanup.add(() => server.stop());
  const target = { url: server.url, token: server.adminToken };
  const session: LabSession = {
    api: new ApiClient(server.url, server.adminToken),
    server,
    dir,
    lab: (args) => lab(args, target),
    labUpSeconds: 0,
  };
  // A lab left by an interrupted run goes first; the one made here goes at the end.
  await session.lab(['down']);
  cleanup.add(async () => {
    await session.lab(['down']);
  });
  const started = Date.now();
  log((await session.lab(['up'])).trim().split('\n').at(-1) ?? '');
  session.labUpSeconds = (Date.now() - started) / 1000;
  return session;
}

/** Start a run and wait for it to end (polling the API, which is what a person watching sees). */
export async function runToEnd(
  api: ApiClient,
  runbook: string,
  inputs: Record<string, unknown> = {},
  timeoutMs = 600_000,
): Promise<RunView> {
  const { id } = (await api.post('/api/v1/runs', { runbook, inputs })) as { id: string };
  return waitForRun(api, id, timeoutMs);
}

export async function waitForRun(api: ApiClient, id: string, timeoutMs = 600_000): Promise<RunView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = (await api.get(`/api/v1/runs/${id}`)) as RunView;
    if (TERMINAL.has(run.status)) return run;
    if (Date.now() > deadline) throw new Error(`run ${id} was still ${run.status} after ${timeoutMs} ms`);
    await sleep(500);
  }
}

/** The first failing step of a run and its error, for a message. */
export const failureOf = (run: RunView): string => {
  const step = run.steps.find((s) => s.status === 'failed');
  return step ? `step ${step.id}: ${step.error ?? 'failed'}` : run.status;
};

export const ms = (iso: string | null | undefined): number | null => (iso ? Date.parse(iso) : null);
