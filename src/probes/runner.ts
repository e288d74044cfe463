/**
 * The agent's probe runner: fetch the probes this agent runs (its assignments, refreshed every
 * `refreshMs`), run each on its interval with the agent's probe action, and send the results in
 * batches. Results wait in memory while the control plane cannot be reached (the newest 10,000),
 * and go with their age rather than a time, so the agent's clock does not matter.
 */
import type { StepResult } from '../core/engine/index.ts';
import { errorMessage } from '../core/errors.ts';
import type { Logger } from '../engine/deps.ts';
import { runProbe } from '../agent/actions/probe.ts';
import type { ProbeAssignment, ReportedResult } from './agent-side-server.ts';

/** What the runner needs from the control plane (over HTTP for site agents, in-process for the embedded one). */
export interface AgentProbeApi {
  assignments(signal: AbortSignal): Promise<ProbeAssignment[]>;
  report(results: ReportedResult[]): Promise<void>;
}

export interface ProbeRunnerOptions {
  api: AgentProbeApi;
  signal: AbortSignal;
  log: Logger;
  /** How often assignments are fetched again (default 15 s, TANDEM_AGENT_PROBE_REFRESH_MS). */
  refreshMs?: number;
  /** Run one check; the agent's probe action by default. */
  check?: (a: ProbeAssignment, signal: AbortSignal) => Promise<StepResult>;
}

const TICK_MS = 100;
const SEND_EVERY_MS = 1_000;
const MAX_BUFFERED = 10_000;
const MAX_RUNNING = 16;

interface Measured {
  probe: string;
  measuredAt: number;
  ok: boolean;
  latencyMs: number | null;
  error: string | null;
}

const runCheck = (a: ProbeAssignment, signal: AbortSignal): Promise<StepResult> =>
  runProbe(
    { kind: 'probe', check: a.check, timeoutMs: a.timeoutMs },
    {
      runId: 'probe',
      key: a.name,
      attempt: 1,
      idempotencyKey: `probe/${a.name}`,
      signal,
      onLog: () => undefined,
    },
  );

export async function runProbeRunner(o: ProbeRunnerOptions): Promise<void> {
  const refreshMs = o.refreshMs ?? (Number(process.env.TANDEM_AGENT_PROBE_REFRESH_MS) || 15_000);
  const check = o.check ?? runCheck;
  const probes = new Map<string, { a: ProbeAssignment; nextAt: number }>();
  const running = new Map<string, AbortController>();
  let buffer: Measured[] = [];
  let refreshAt = 0;
  let sentAt = 0;
  let sending = false;
  let warned = 0;
  const warn = (msg: string, err: unknown) => {
    // One warning a minute: a control plane that is away stays away for a while.
    if (Date.now() - warned < 60_000) return;
    warned = Date.now();
    o.log.warn({ err: errorMessage(err) }, msg);
  };

  const refresh = async () => {
    try {
      const list = await o.api.assignments(o.signal);
      const now = Date.now();
      const seen = new Set<string>();
      for (const a of list) {
        seen.add(a.name);
        const had = probes.get(a.name);
        // A new probe runs at once; a changed one keeps its rhythm.
        probes.set(a.name, { a, nextAt: had ? Math.min(had.nextAt, now + a.intervalMs) : now });
      }
      for (const name of probes.keys()) if (!seen.has(name)) probes.delete(name);
    } catch (err: unknown) {
      if (!o.signal.aborted) warn('could not fetch probe assignments', err);
    }
  };

  const start = (entry: { a: ProbeAssignment; nextAt: number }) => {
    const { a } = entry;
    const abort = new AbortController();
    running.set(a.name, abort);
    const measuredAt = Date.now();
    check(a, AbortSignal.any([abort.signal, o.signal]))
      .catch((err: unknown): StepResult => ({ ok: false, error: errorMessage(err) }))
      .then((r) => {
        running.delete(a.name);
        if (o.signal.aborted) return;
        const latency = Number(r.outputs?.latency_ms);
        buffer.push({
          probe: a.name,
          measuredAt,
          ok: r.ok,
          latencyMs: Number.isFinite(latency) ? latency : null,
          error: r.ok ? null : (r.error ?? 'failed'),
        });
        if (buffer.length > MAX_BUFFERED) buffer = buffer.slice(-MAX_BUFFERED);
      })
      .catch(() => undefined);
  };

  const send = async () => {
    sending = true;
    const batch = buffer;
    buffer = [];
    const now = Date.now();
    try {
      await o.api.report(
        batch.map((m) => ({
          probe: m.probe,
          ageMs: Math.max(0, now - m.measuredAt),
          ok: m.ok,
          latencyMs: m.latencyMs,
          error: m.error,
        })),
      );
    } catch (err: unknown) {
      buffer = batch.concat(buffer).slice(-MAX_BUFFERED);
      warn('could not send probe results; keeping them for the next try', err);
    } finally {
      sentAt = Date.now();
      sending = false;
    }
  };

  while (!o.signal.aborted) {
    const now = Date.now();
    if (now >= refreshAt) {
      refreshAt = now + refreshMs;
      await refresh();
    }
    for (const entry of probes.values()) {
      if (running.size >= MAX_RUNNING) break;
      if (entry.nextAt > now || running.has(entry.a.name)) continue;
      // Fixed rate; runs missed while the previous one was still going are skipped.
      entry.nextAt = Math.max(entry.nextAt + entry.a.intervalMs, now);
      start(entry);
    }
    if (!sending && buffer.length > 0 && now - sentAt >= SEND_EVERY_MS) void send();
    await new Promise<void>((resolve) => {
      const t = setTimeout(done, TICK_MS);
      function done() {
        clearTimeout(t);
        o.signal.removeEventListener('abort', done);
        resolve();
      }
      o.signal.addEventListener('abort', done, { once: true });
    });
  }
  for (const a of running.values()) a.abort();
}
