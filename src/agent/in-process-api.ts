/**
 * The embedded agent's link to the engine: the same calls a remote agent makes over HTTP, made
 * in-process. Claims long-poll on the store's `steps-ready` notifications.
 */
import { AgentService } from '../engine/agent-service.ts';
import type { EngineDeps } from '../engine/deps.ts';
import type { ClaimingAgent } from '../store/index.ts';
import type { AgentApi, LogChunk } from './api.ts';
import { ReadySignal } from '../engine/ready-signal.ts';

export async function inProcessAgentApi(
  deps: EngineDeps,
  agent: ClaimingAgent,
): Promise<{ api: AgentApi; close: () => Promise<void> }> {
  const service = new AgentService(deps);
  const ready = await ReadySignal.open(deps.store);
  const api: AgentApi = {
    claim: async (max, waitMs, signal) => {
      await service.seen(agent.id);
      return service.claimWaiting(agent, max, waitMs, signal, ready);
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
    appendLogs: async (chunks: LogChunk[]) => {
      await service.appendLogs(agent.id, chunks);
    },
  };
  return { api, close: () => ready.close() };
}
