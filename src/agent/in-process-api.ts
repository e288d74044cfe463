/**
 * The embedded agent's link to the engine: the same calls a remote agent makes over HTTP, made
 * in-process. Claims long-poll on the store's `steps-ready` notifications.
 */
import { AgentService } from '../engine/agent-service.ts';
import type { EngineDeps } from '../engine/deps.ts';
import type { ClaimingAgent } from '../store/index.ts';
import type { AgentApi, LogChunk } from './api.ts';
import { appendStepLogs } from '../store/index.ts';

export async function inProcessAgentApi(
  deps: EngineDeps,
  agent: ClaimingAgent,
): Promise<{ api: AgentApi; close: () => Promise<void> }> {
  const service = new AgentService(deps);
  const waiters = new Set<() => void>();
  const stop = await deps.store.listen('steps-ready', (site) => {
    if (site !== agent.site) return;
    for (const w of waiters) w();
  });
  const api: AgentApi = {
    async claim(max, waitMs, signal) {
      const deadline = Date.now() + waitMs;
      for (;;) {
        let ready = false;
        const waiter = () => (ready = true);
        // Listen before claiming, so a step made ready in between is not missed.
        waiters.add(waiter);
        try {
          const claimed = await service.claim(agent, max);
          if (claimed.length > 0 || signal.aborted) return claimed;
          const left = deadline - Date.now();
          if (left <= 0) return [];
          if (!ready) await waitFor(left, signal, waiters);
        } finally {
          waiters.delete(waiter);
        }
      }
    },
    heartbeat: (leases) => service.heartbeat(agent.id, leases),
    async complete(results, claimMore) {
      const res = await service.complete(agent, results, claimMore);
      return {
        refused: res.accepted
          .filter((a) => !a.accepted)
          .map((a) => {
            const r = results.find((x) => x.runId === a.runId && x.key === a.key && x.attempt === a.attempt)!;
            return { ...r, reason: a.reason ?? 'refused' };
          }),
        claimed: res.claimed,
      };
    },
    appendLogs: (chunks: LogChunk[]) => appendStepLogs(deps.store, chunks, deps.clock()),
  };
  return { api, close: stop };
}

function waitFor(ms: number, signal: AbortSignal, waiters: Set<() => void>): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      waiters.delete(done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    waiters.add(done);
    signal.addEventListener('abort', done, { once: true });
  });
}
