/**
 * A simulator process: many site agents in one process, each a loop of Tandem's own HTTP agent
 * client (src/agent/http-api.ts over keep-alive node:http, its own connection per agent):
 * claim (max 1, long-poll) → no-op → complete (claim_more 0) → claim again, plus an empty
 * heartbeat every `heartbeatMs` as `tandem agent` sends. Driven by the benchmark over IPC
 * (protocol.ts); it exits when told to stop or when the benchmark goes away.
 */
import { setMaxListeners } from 'node:events';
import type { ClaimedStep } from '../../src/agent/api.ts';
import { httpAgentApi } from '../../src/agent/http-api.ts';
import { HttpClient } from '../../src/agent/http-client.ts';
import { errorMessage } from '../../src/core/errors.ts';
import { signal, sleep } from '../engine/stats.ts';
import {
  clock,
  zeroCounters,
  type FromSimulator,
  type SimAgent,
  type SimInit,
  type ToSimulator,
} from './protocol.ts';

/** A failed call is retried after this pause: long enough not to spin, short for a benchmark. */
const RETRY_MS = 100;

const send = (m: FromSimulator): void => void process.send?.(m);
const stop = new AbortController();
// Every agent's requests listen on this one signal: 50 or so listeners are expected, not a leak.
setMaxListeners(0, stop.signal);
let counters = zeroCounters();
let trace = false;
let paused = false;
let resume = signal();

function failed(err: unknown): void {
  counters.errors++;
  counters.lastError = errorMessage(err);
}

async function agentLoop(init: SimInit, a: SimAgent, index: number): Promise<void> {
  const client = new HttpClient({ server: init.server, credential: a.credential });
  const api = httpAgentApi(client, { draining: () => false });
  // Agents started at different times: spread the first wait so long-polls do not expire together.
  let waitMs = 1 + Math.floor(Math.random() * init.waitMs);
  // Heartbeats spread over the period, as agents started at different times send them.
  const heartbeat = () => {
    api.heartbeat([]).then(() => {
      counters.requests++;
    }, failed);
  };
  let beat: NodeJS.Timeout | undefined;
  const firstBeat = setTimeout(() => {
    heartbeat();
    beat = setInterval(heartbeat, init.heartbeatMs);
  }, Math.random() * init.heartbeatMs);
  try {
    await sleep((index * 37) % 500);
    while (!stop.signal.aborted) {
      if (paused) {
        counters.parked++;
        await resume.promise;
        counters.parked--;
        continue;
      }
      let steps: ClaimedStep[];
      counters.polling++;
      try {
        steps = await api.claim(1, waitMs, stop.signal);
      } catch (err: unknown) {
        failed(err);
        await sleep(RETRY_MS);
        continue;
      } finally {
        counters.polling--;
      }
      const at = clock();
      waitMs = init.waitMs;
      if (stop.signal.aborted) break;
      counters.requests++;
      if (steps.length === 0) continue;
      counters.claims += steps.length;
      counters.firstClaimAt ??= at;
      if (trace) for (const s of steps) send({ type: 'claimed', runId: s.runId, at });
      try {
        const results = steps.map((s) => ({
          runId: s.runId,
          key: s.key,
          attempt: s.attempt,
          leaseToken: s.leaseToken,
          result: { ok: true },
        }));
        const res = await api.complete(results, 0);
        const done = clock();
        counters.requests++;
        counters.completions += steps.length - res.refused.length;
        counters.refused += res.refused.length;
        counters.lastCompleteAt = done;
        if (trace) for (const s of steps) send({ type: 'completed', runId: s.runId, at: done });
      } catch (err: unknown) {
        failed(err);
      }
    }
  } finally {
    clearTimeout(firstBeat);
    clearInterval(beat);
    client.close();
  }
}

let loops: Promise<void>[] = [];
let lastProgress = '';
const progress = setInterval(() => {
  const text = JSON.stringify(counters);
  if (text === lastProgress) return;
  lastProgress = text;
  send({ type: 'progress', counters });
}, 50);

async function shutdown(): Promise<void> {
  stop.abort();
  resume.resolve();
  await Promise.all(loops);
  clearInterval(progress);
  send({ type: 'stopped' });
  process.disconnect?.();
}

process.on('message', (m: ToSimulator) => {
  switch (m.type) {
    case 'init':
      loops = m.init.agents.map((a, i) => agentLoop(m.init, a, i).catch(failed));
      break;
    case 'trace':
      trace = m.on;
      break;
    case 'pause':
      paused = true;
      break;
    case 'release':
      paused = false;
      resume.resolve();
      resume = signal();
      break;
    case 'clock':
      send({ type: 'clock', id: m.id, at: clock() });
      break;
    case 'stats': {
      const before = counters;
      if (m.reset) counters = { ...zeroCounters(), polling: before.polling, parked: before.parked };
      send({ type: 'stats', id: m.id, counters: before, after: counters });
      break;
    }
    case 'stop':
      void shutdown();
      break;
  }
});
// The benchmark went away (killed): nothing to report to, so leave.
process.on('disconnect', () => {
  stop.abort();
  process.exit(0);
});
