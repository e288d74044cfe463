/**
 * An agent's work loop: claim steps up to its capacity, run each, heartbeat the leases, report
 * results in batches (claiming more in the same round trip), and stream logs. Stops claiming
 * when `signal` aborts and returns once the steps it runs have finished and been reported.
 */
import type { StepResult } from '../core/engine/index.ts';
import { errorMessage, isTandemError, toError } from '../core/errors.ts';
import { executeAction, type ActionContext } from './actions/index.ts';
import { createStreamMasker, Masker } from '../secrets/index.ts';
import type { AgentApi, AttemptReport, ClaimedStep, LeaseRef, LogChunk } from './api.ts';
import type { Logger } from '../engine/deps.ts';

export type Executor = (step: ClaimedStep, ctx: ActionContext) => Promise<StepResult>;

export interface AgentLoopOptions {
  api: AgentApi;
  capacity: number;
  signal: AbortSignal;
  log: Logger;
  /** How often leases are extended: a third of the lease, so two missed beats still keep it. */
  heartbeatMs: number;
  /** Long-poll wait for a claim. */
  claimWaitMs?: number;
  executor?: Executor;
  /** Where results wait until the server has answered for them (store and forward). */
  outbox?: {
    saveResult(r: AttemptReport): Promise<void>;
    dropResult(r: AttemptReport): Promise<void>;
    pendingResults(): Promise<AttemptReport[]>;
    saveLogs(chunks: LogChunk[]): Promise<void>;
    takeLogs(): Promise<LogChunk[]>;
  };
}

/** Log chunks are sent at least this often while a step runs. */
const LOG_FLUSH_MS = 250;
/** Back-off after a failed call to the control plane: 0.5 s doubling to 30 s, jittered. */
const backoff = (failures: number) =>
  Math.min(30_000, 500 * 2 ** Math.min(failures, 6)) * (0.5 + Math.random());

interface InFlight {
  step: ClaimedStep;
  abort: AbortController;
}

export async function runAgentLoop(o: AgentLoopOptions): Promise<void> {
  const executor = o.executor ?? ((step, ctx) => executeAction(step.action, ctx));
  const inFlight = new Map<string, InFlight>();
  const results: AttemptReport[] = [];
  let logs: LogChunk[] = [];
  let wake: (() => void) | undefined;
  const poke = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const onAbort = () => poke();
  o.signal.addEventListener('abort', onAbort);

  const start = (step: ClaimedStep) => {
    const abort = new AbortController();
    inFlight.set(step.idempotencyKey, { step, abort });
    // Secret values never leave the agent: masked in logs (across chunks) and in the result.
    const masker = step.mask && step.mask.length > 0 ? new Masker(step.mask) : undefined;
    const streams = masker && { stdout: createStreamMasker(masker), stderr: createStreamMasker(masker) };
    const log = (stream: 'stdout' | 'stderr', data: string) => {
      if (data) logs.push({ runId: step.runId, key: step.key, attempt: step.attempt, stream, data });
    };
    const ctx: ActionContext = {
      runId: step.runId,
      key: step.key,
      attempt: step.attempt,
      idempotencyKey: step.idempotencyKey,
      signal: abort.signal,
      onLog: (stream, data) => log(stream, streams ? streams[stream].push(data) : data),
    };
    executor(step, ctx)
      .catch((err: unknown): StepResult => ({ ok: false, error: `agent: ${errorMessage(err)}` }))
      .then(async (raw) => {
        if (streams) for (const s of ['stdout', 'stderr'] as const) log(s, streams[s].flush());
        const result = masker ? maskResult(raw, masker) : raw;
        const report = { ...leaseOf(step), result };
        if (!abort.signal.aborted) await o.outbox?.saveResult(report);
        inFlight.delete(step.idempotencyKey);
        if (!abort.signal.aborted) results.push(report);
        poke();
      })
      .catch((err: unknown) => {
        o.log.error({ err: errorMessage(err), runId: step.runId, step: step.key }, 'could not keep a result');
        inFlight.delete(step.idempotencyKey);
        poke();
      });
  };

  const flushLogs = async () => {
    if (logs.length === 0) return;
    const batch = logs;
    logs = [];
    try {
      await o.api.appendLogs(batch);
    } catch (err: unknown) {
      o.log.warn({ err: errorMessage(err) }, 'could not send logs; keeping them for the next try');
      logs = batch.concat(logs);
      await o.outbox?.saveLogs(logs).catch(() => undefined);
    }
  };

  let fatal: unknown;
  const heartbeat = setInterval(() => {
    // Held: what runs, and what finished but waits to be reported (the server must not take those back).
    const leases = [...inFlight.values()].map((f) => leaseOf(f.step)).concat(results.map(leaseOf));
    void flushLogs();
    // Beat even with nothing leased: presence, draining state, and a revoked credential noticed.
    o.api.heartbeat(leases).then(
      (lost) => {
        for (const l of lost) {
          const f = inFlight.get(`${l.runId}/${l.key}/${l.attempt}`);
          if (!f) continue;
          o.log.info({ runId: l.runId, step: l.key, attempt: l.attempt }, 'lease lost: stopping the step');
          f.abort.abort();
        }
      },
      (err: unknown) => {
        if (isTandemError(err, 'unauthorized')) {
          fatal = err;
          for (const f of inFlight.values()) f.abort.abort();
          poke();
        }
        o.log.warn({ err: errorMessage(err) }, 'heartbeat failed');
      },
    );
  }, o.heartbeatMs);
  const logTimer = setInterval(() => void flushLogs(), LOG_FLUSH_MS);

  if (o.outbox) {
    results.push(...(await o.outbox.pendingResults()));
    logs.push(...(await o.outbox.takeLogs()));
    if (results.length > 0)
      o.log.info({ results: results.length }, 'delivering results kept while disconnected');
  }
  let failures = 0;
  try {
    while (!(o.signal.aborted && inFlight.size === 0 && results.length === 0)) {
      if (fatal !== undefined) throw toError(fatal);
      const free = o.signal.aborted ? 0 : o.capacity - inFlight.size;
      try {
        if (results.length > 0) {
          await flushLogs();
          const batch = results.splice(0);
          try {
            const res = await o.api.complete(batch, free);
            for (const r of res.refused)
              o.log.info(
                { runId: r.runId, step: r.key, attempt: r.attempt, reason: r.reason },
                'result refused',
              );
            if (o.outbox) for (const r of batch) await o.outbox.dropResult(r);
            res.claimed.forEach(start);
            // Let steps that finish at once (log-like actions, fast checks) report before the
            // loop claims again: otherwise their results wait behind an empty claim.
            if (res.claimed.length > 0) await new Promise((resolve) => setImmediate(resolve));
          } catch (err: unknown) {
            results.unshift(...batch);
            throw err;
          }
        } else if (free > 0) {
          // A finished step interrupts the wait so its result goes out at once.
          const interrupt = new AbortController();
          wake = () => interrupt.abort();
          const claimed = await o.api.claim(
            free,
            o.claimWaitMs ?? 5_000,
            AbortSignal.any([o.signal, interrupt.signal]),
          );
          wake = undefined;
          claimed.forEach(start);
          if (claimed.length === 0 && !o.signal.aborted) continue;
        } else {
          await new Promise<void>((resolve) => {
            wake = resolve;
            if (results.length > 0 || (o.signal.aborted && inFlight.size === 0)) poke();
          });
        }
        failures = 0;
      } catch (err: unknown) {
        if (o.signal.aborted && inFlight.size === 0 && results.length === 0) break;
        // A revoked or unknown credential will not heal by waiting.
        if (isTandemError(err, 'unauthorized')) throw err;
        failures++;
        const delay = backoff(failures);
        o.log.warn({ err: errorMessage(err), retryInMs: Math.round(delay) }, 'control plane call failed');
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
    await flushLogs();
  } finally {
    clearInterval(heartbeat);
    clearInterval(logTimer);
    o.signal.removeEventListener('abort', onAbort);
  }
}

/** The result with every secret value masked: outputs, error and the structured result. */
function maskResult(r: StepResult, masker: Masker): StepResult {
  const deep = (v: unknown): unknown =>
    typeof v === 'string'
      ? masker.mask(v)
      : Array.isArray(v)
        ? v.map(deep)
        : v !== null && typeof v === 'object'
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, deep(x)]))
          : v;
  return deep(r) as StepResult;
}

/** The lease part of a claim or a report: what heartbeats and results carry. */
const leaseOf = (r: LeaseRef): LeaseRef => ({
  runId: r.runId,
  key: r.key,
  attempt: r.attempt,
  leaseToken: r.leaseToken,
});
