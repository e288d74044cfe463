/**
 * The three workloads every target runs, their sizes, and the shape of a target's result.
 *
 * - W1 drain: `runs × steps` independent no-op steps queued while no worker runs, then drained;
 *   throughput from the first step invoked to the last completion committed.
 * - W2 pickup: single-step runs started one at a time on an idle engine; latency from the start
 *   call to the executor being invoked. Each run finishes before the next starts.
 * - W3 chain: runs of `steps` sequential no-op steps, one at a time; end-to-end time per run
 *   divided by the number of steps.
 */
import { summarize, type LatencySummary } from './stats.ts';

export interface Sizes {
  w1: { runs: number; stepsPerRun: number };
  w2: { runs: number; warmup: number };
  w3: { runs: number; steps: number; warmup: number };
  /** Seconds the commit-rate floor loop runs. */
  floorSeconds: number;
}

export const FULL: Sizes = {
  w1: { runs: 2_000, stepsPerRun: 10 },
  w2: { runs: 1_000, warmup: 20 },
  w3: { runs: 100, steps: 10, warmup: 5 },
  floorSeconds: 2,
};

export const QUICK: Sizes = {
  w1: { runs: 200, stepsPerRun: 10 },
  w2: { runs: 100, warmup: 10 },
  w3: { runs: 20, steps: 10, warmup: 2 },
  floorSeconds: 1,
};

export const TARGETS = ['sqlite', 'pg', 'graphile', 'pgboss', 'dbos'] as const;
export type TargetName = (typeof TARGETS)[number];

export interface DrainResult {
  /** Steps (jobs) drained. */
  steps: number;
  seconds: number;
  perSec: number;
  /** The worker setting this figure was measured with (capacity, concurrency…). */
  setting: string;
  /** Seconds it took to queue them (not part of the figure). */
  enqueueSeconds: number;
}

export interface W1Result extends DrainResult {
  /** Every setting tried, best first; `perSec` above is the best. */
  tries: DrainResult[];
}

export interface W3Result extends LatencySummary {
  /** Steps per run: the summary is end-to-end time per run divided by this. */
  steps: number;
  /** End-to-end per run, not divided. */
  perRun: LatencySummary;
}

export interface TargetResult {
  target: TargetName;
  /** What was measured: our store kind, or the peer package and the version that ran. */
  label: string;
  version: string;
  /** W2/W3 worker settings and anything else that shapes the figures. */
  settings: Record<string, string | number | boolean>;
  w1?: W1Result;
  w2?: LatencySummary;
  w3?: W3Result;
  notes: string[];
  /** Raw W2 latencies and W3 per-run times (ms), so rounds run in separate processes can be merged. */
  samples?: { w2?: number[]; w3PerRun?: number[] };
  /** The machine's 1-minute load average as each of the target's processes started and ended. */
  load?: { phase: string; start: number; end: number }[];
  /** Set when the target could not run; the figures it did produce stay. */
  error?: string;
}

/** Record W2 latencies on a result: raw (for merging) and summarised. */
export function setW2(result: TargetResult, latencies: number[]): void {
  result.samples = { ...result.samples, w2: latencies };
  result.w2 = summarize(latencies);
}

/** Record W3 end-to-end times per run on a result: raw, and summarised per step. */
export function setW3(result: TargetResult, perRun: number[], steps: number): void {
  result.samples = { ...result.samples, w3PerRun: perRun };
  result.w3 = { ...summarize(perRun.map((ms) => ms / steps)), steps, perRun: summarize(perRun) };
}

/** Per-run progress that a workload waits on, fed by a target's completion hook. */
export class Completions {
  readonly #doneSteps = new Map<string, { n: number; at: number }>();
  readonly #waiters = new Map<string, { need: number; resolve: (t: number) => void }>();
  total = 0;
  lastAt = 0;

  /** Record one committed step completion of `runId` at time `t`. */
  record(runId: string, t: number): void {
    this.total++;
    this.lastAt = t;
    const n = (this.#doneSteps.get(runId)?.n ?? 0) + 1;
    const w = this.#waiters.get(runId);
    if (w && n >= w.need) {
      this.#waiters.delete(runId);
      this.#doneSteps.delete(runId);
      w.resolve(t);
      return;
    }
    this.#doneSteps.set(runId, { n, at: t });
  }

  /** Resolves with the time of the completion that brought `runId` to `need` completed steps. */
  waitFor(runId: string, need: number): Promise<number> {
    const have = this.#doneSteps.get(runId);
    if (have && have.n >= need) {
      this.#doneSteps.delete(runId);
      return Promise.resolve(have.at);
    }
    return new Promise((resolve) => this.#waiters.set(runId, { need, resolve }));
  }

  reset(): void {
    this.#doneSteps.clear();
    this.#waiters.clear();
    this.total = 0;
    this.lastAt = 0;
  }
}
