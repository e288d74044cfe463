/**
 * (d) The in-process figure to compare the HTTP hop with: the engine benchmark's W2 pickup on the
 * same store, run here in two halves — before the server starts and after it stopped — in
 * processes of their own (baseline-child.ts), so our server never shares the machine with it and
 * a burst of load on this shared machine does not fall on only one side of the comparison.
 * If it cannot run, the figure of bench/results/engine-latest.json stands in, and says so.
 */
import { fork } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { excerpt } from '../engine/child.ts';
import { summarize, withTimeout, type LatencySummary } from '../engine/stats.ts';
import type { StoreKind } from '../engine/tandem.ts';

const entry = fileURLToPath(new URL('./baseline-child.ts', import.meta.url));
const engineLatest = fileURLToPath(new URL('../results/engine-latest.json', import.meta.url));
/** A half that takes longer than this is killed (its whole process group). */
const HALF_TIMEOUT_MS = 3 * 60_000;

export type BaselineAnswer =
  | { label: string; samples: number[]; settings: Record<string, string | number | boolean> }
  | { error: string };

export interface BaselineHalf {
  samples: number[];
  load: [number, number];
  error?: string;
}

/** Run `runs` W2 pickups (after `warmup`) in a fresh process. */
export async function baselineHalf(kind: StoreKind, runs: number, warmup: number): Promise<BaselineHalf> {
  const load0 = loadavg()[0]!;
  const child = fork(entry, [kind, String(runs), String(warmup)], {
    execArgv: process.execArgv,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const answered = new Promise<BaselineAnswer>((resolve, reject) => {
    child.on('message', (m: BaselineAnswer) => resolve(m));
    child.on('exit', (code) => reject(new Error(`exited with code ${code}: ${excerpt(output)}`)));
  });
  const load = (): [number, number] => [load0, loadavg()[0]!];
  try {
    const a = await withTimeout('the in-process baseline', answered, HALF_TIMEOUT_MS);
    if ('error' in a) return { samples: [], load: load(), error: a.error };
    return { samples: a.samples, load: load() };
  } catch (err: unknown) {
    return { samples: [], load: load(), error: err instanceof Error ? err.message : String(err) };
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
}

export interface Baseline {
  /** `measured in this run`, or where the stand-in figure came from. */
  source: string;
  w2: LatencySummary;
  halves: BaselineHalf[];
}

/** The two halves merged; the engine benchmark's last result if neither half ran. */
export async function mergeBaseline(kind: StoreKind, halves: BaselineHalf[]): Promise<Baseline> {
  const samples = halves.flatMap((h) => h.samples);
  if (samples.length > 0) return { source: 'measured in this run', w2: summarize(samples), halves };
  const target = kind === 'sqlite' ? 'sqlite' : 'pg';
  const report = JSON.parse(await readFile(engineLatest, 'utf8')) as {
    startedAt: string;
    results: { target: string; w2?: LatencySummary }[];
  };
  const w2 = report.results.find((r) => r.target === target)?.w2;
  if (!w2) throw new Error(`no in-process W2 figure: the baseline failed and ${engineLatest} has none`);
  return {
    source: `bench/results/engine-latest.json of ${report.startedAt} (the baseline failed)`,
    w2,
    halves,
  };
}
