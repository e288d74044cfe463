/**
 * The three phases measured over HTTP: (a) idle long-polls, (b) pickup latency of single-step
 * runs started one at a time, (c) throughput of a queue drained by every agent at once.
 */
import { forEachLimit, sleep, summarize, withTimeout, type LatencySummary } from '../engine/stats.ts';
import type { PgActivity, PgWatch } from './pg-activity.ts';
import { Meter, type Usage } from './proc-usage.ts';
import { clock } from './protocol.ts';
import { ADMIN_LANES, type Admin } from './setup.ts';
import type { Simulators } from './simulators.ts';

export interface PhaseContext {
  admin: Admin;
  sims: Simulators;
  serverPid: number;
  sites: string[];
  agentsPerSite: number;
  /** With --pg: the server's PostgreSQL connections, watched during pickup and throughput. */
  pg?: PgWatch;
}

const meter = (c: PhaseContext) => new Meter(c.serverPid, c.sims.pids);
const agentCount = (c: PhaseContext) => c.sites.length * c.agentsPerSite;

export interface IdleResult {
  agents: number;
  /** Answers per second the simulators received (long-polls ending empty, heartbeats). */
  requestsPerSec: number;
  errors: number;
  usage: Usage;
  postgres?: PgActivity;
}

export async function idlePhase(c: PhaseContext, seconds: number): Promise<IdleResult> {
  await c.sims.waitFor('every agent to long-poll', (t) => t.polling === agentCount(c), 60_000);
  await c.sims.stats(true);
  const m = meter(c);
  m.start();
  await c.pg?.start();
  // A measurement window, not a wait for something to happen.
  await sleep(seconds * 1000);
  const usage = m.stop();
  const postgres = await c.pg?.stop();
  const counts = await c.sims.stats(true);
  return {
    agents: agentCount(c),
    requestsPerSec: Math.round((counts.requests / usage.seconds) * 10) / 10,
    errors: counts.errors,
    usage,
    ...(postgres ? { postgres } : {}),
  };
}

export interface PickupResult {
  runs: number;
  warmup: number;
  /** From the POST /runs answer (the step is ready) to the claim answer reaching the agent. */
  fromAnswer: LatencySummary;
  /** From sending POST /runs to the claim answer reaching the agent (includes the POST). */
  fromSent: LatencySummary;
  /** The POST /runs round trip. */
  startCall: LatencySummary;
  /** Server clock: run.started event to step.started event (whole ms, so ±1 ms). */
  serverSide: LatencySummary;
  /** Runs whose claim reached the agent before the POST /runs answer reached us. */
  claimBeforeAnswer: number;
  /** Server CPU per pickup: the run's start, the claims it woke, the complete. */
  serverCpuMsPerRun: number;
  usage: Usage;
  postgres?: PgActivity;
}

export async function pickupPhase(c: PhaseContext, runs: number, warmup: number): Promise<PickupResult> {
  c.sims.setTrace(true);
  const fromAnswer: number[] = [];
  const fromSent: number[] = [];
  const startCall: number[] = [];
  const ids: string[] = [];
  const m = meter(c);
  for (let i = 0; i < warmup + runs; i++) {
    if (i === warmup) {
      m.start();
      await c.pg?.start();
    }
    const t0 = clock();
    const id = await c.admin.startRun(c.sites[i % c.sites.length]!);
    const t1 = clock();
    const claimedAt = await withTimeout(`the claim of pickup run ${i}`, c.sims.claims.waitFor(id, 1), 30_000);
    // Each run ends before the next starts, as in the engine benchmark's W2.
    await withTimeout(`the result of pickup run ${i}`, c.sims.completions.waitFor(id, 1), 30_000);
    if (i < warmup) continue;
    fromAnswer.push(claimedAt - t1);
    fromSent.push(claimedAt - t0);
    startCall.push(t1 - t0);
    ids.push(id);
  }
  const usage = m.stop();
  const postgres = await c.pg?.stop();
  c.sims.setTrace(false);
  const serverSide: number[] = [];
  await forEachLimit(ids.length, 4, async (i) => {
    const d = await c.admin.claimDelay(ids[i]!);
    if (d !== undefined) serverSide.push(d);
  });
  return {
    runs,
    warmup,
    fromAnswer: summarize(fromAnswer),
    fromSent: summarize(fromSent),
    startCall: summarize(startCall),
    serverSide: summarize(serverSide),
    claimBeforeAnswer: fromAnswer.filter((x) => x < 0).length,
    serverCpuMsPerRun: Math.round((usage.serverCpuMs / runs) * 100) / 100,
    usage,
    ...(postgres ? { postgres } : {}),
  };
}

export interface ThroughputResult {
  runs: number;
  /** Runs of the pause that no agent took (they are drained with the others). */
  leftover: number;
  /** Seconds to queue the runs through POST /runs (not part of the figure). */
  queueSeconds: number;
  steps: number;
  /** From the first claim answer to the last complete answer, on the simulators' clock. */
  seconds: number;
  stepsPerSec: number;
  refused: number;
  errors: number;
  lastError?: string;
  serverCpuMsPerStep: number;
  usage: Usage;
  postgres?: PgActivity;
}

export async function throughputPhase(c: PhaseContext, runs: number): Promise<ThroughputResult> {
  const total = agentCount(c);
  await c.sims.stats(true);
  // Pause: each agent ends the long-poll it is in, then parks. One run per agent ends them now.
  c.sims.pause();
  await forEachLimit(total, ADMIN_LANES, async (i) => {
    await c.admin.startRun(c.sites[i % c.sites.length]!);
  });
  await c.sims.waitFor('every agent to park', (t) => t.parked === total, 60_000);
  const pause = await c.sims.stats(true);
  const leftover = total - pause.completions;
  const q0 = clock();
  await forEachLimit(runs, ADMIN_LANES, async (i) => {
    await c.admin.startRun(c.sites[i % c.sites.length]!);
  });
  const queueSeconds = (clock() - q0) / 1000;
  const m = meter(c);
  m.start();
  await c.pg?.start();
  c.sims.release();
  const steps = runs + leftover;
  await c.sims.waitFor(`${steps} completions`, (t) => t.completions + t.refused >= steps, 600_000);
  const usage = m.stop();
  const postgres = await c.pg?.stop();
  const counts = await c.sims.stats(true);
  const unfinished = await c.admin.unfinishedRuns();
  if (unfinished > 0) throw new Error(`throughput: ${unfinished} runs did not end`);
  const seconds = (counts.lastCompleteAt! - counts.firstClaimAt!) / 1000;
  return {
    runs,
    leftover,
    queueSeconds: Math.round(queueSeconds * 100) / 100,
    steps: counts.completions,
    seconds: Math.round(seconds * 1000) / 1000,
    stepsPerSec: Math.round(counts.completions / seconds),
    refused: counts.refused,
    errors: counts.errors,
    ...(counts.lastError === undefined ? {} : { lastError: counts.lastError }),
    serverCpuMsPerStep: Math.round((usage.serverCpuMs / counts.completions) * 100) / 100,
    usage,
    ...(postgres ? { postgres } : {}),
  };
}
