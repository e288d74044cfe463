/**
 * The messages between the benchmark and its agent simulator processes (over Node's IPC
 * channel), and the clock they share: every process on this machine reads the same wall clock,
 * so `performance.timeOrigin + performance.now()` (epoch ms, sub-ms resolution) taken in a
 * simulator can be subtracted from one taken in the benchmark. `clockCheck` measures how far off.
 */
import { performance } from 'node:perf_hooks';

/** Epoch milliseconds with sub-millisecond resolution, comparable across processes. */
export const clock = (): number => performance.timeOrigin + performance.now();

/** A simulated agent: enrolled on the server, run as a loop inside a simulator process. */
export interface SimAgent {
  name: string;
  site: string;
  credential: string;
}

export interface SimInit {
  server: string;
  agents: SimAgent[];
  /** Long-poll wait of every claim but the first (whose wait is spread over 0–waitMs). */
  waitMs: number;
  /** How often each agent sends an empty heartbeat, as `tandem agent` does (a third of the lease). */
  heartbeatMs: number;
}

/** What a simulator has done since its counters were last reset, and the state of its agents. */
export interface SimCounters {
  /** HTTP requests answered: claims, completes, heartbeats. */
  requests: number;
  claims: number;
  /** Results the server accepted. */
  completions: number;
  refused: number;
  errors: number;
  lastError?: string;
  /** When the first claim answer with a step arrived, on the shared clock. */
  firstClaimAt?: number;
  /** When the last complete answer arrived, on the shared clock. */
  lastCompleteAt?: number;
  /** Agents with a claim request in flight now. */
  polling: number;
  /** Agents parked by `pause` now. */
  parked: number;
}

export const zeroCounters = (): SimCounters => ({
  requests: 0,
  claims: 0,
  completions: 0,
  refused: 0,
  errors: 0,
  polling: 0,
  parked: 0,
});

export type ToSimulator =
  | { type: 'init'; init: SimInit }
  /** Report every claim and completion with its run id (the pickup phase), or only counts. */
  | { type: 'trace'; on: boolean }
  /** Agents finish the request they are in, then park until `release`. */
  | { type: 'pause' }
  | { type: 'release' }
  | { type: 'clock'; id: number }
  | { type: 'stats'; id: number; reset: boolean }
  | { type: 'stop' };

export type FromSimulator =
  | { type: 'claimed'; runId: string; at: number }
  | { type: 'completed'; runId: string; at: number }
  /** Sent at most every 50 ms while something changed. */
  | { type: 'progress'; counters: SimCounters }
  | { type: 'clock'; id: number; at: number }
  /** The counters before the reset (if one was asked for) and after it. */
  | { type: 'stats'; id: number; counters: SimCounters; after: SimCounters }
  | { type: 'stopped' };

/** Sum the counters of several simulators: counts add up, first/last take the extremes. */
export function sumCounters(list: SimCounters[]): SimCounters {
  const total = zeroCounters();
  for (const c of list) {
    total.requests += c.requests;
    total.claims += c.claims;
    total.completions += c.completions;
    total.refused += c.refused;
    total.errors += c.errors;
    total.polling += c.polling;
    total.parked += c.parked;
    if (c.lastError !== undefined) total.lastError = c.lastError;
    if (c.firstClaimAt !== undefined)
      total.firstClaimAt = Math.min(total.firstClaimAt ?? Infinity, c.firstClaimAt);
    if (c.lastCompleteAt !== undefined)
      total.lastCompleteAt = Math.max(total.lastCompleteAt ?? -Infinity, c.lastCompleteAt);
  }
  return total;
}
