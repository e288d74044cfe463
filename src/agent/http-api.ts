/** The agent protocol over HTTP: the same calls the embedded agent makes in-process. */
import type { AgentApi, ClaimedStep, LeaseRef, LogChunk } from './api.ts';
import { collectFacts } from './facts.ts';
import type { HttpClient } from './http-client.ts';

/** A long-poll waits this long on the server; the request's own timeout allows for it. */
const CLAIM_WAIT_MS = 25_000;

/** Host facts go with a heartbeat at start and then every 10 minutes. */
const FACTS_EVERY_MS = 10 * 60_000;

export function httpAgentApi(client: HttpClient, state: { draining: () => boolean }): AgentApi {
  let factsSentAt = 0;
  return {
    async claim(max, waitMs, signal) {
      const wait = Math.min(waitMs, CLAIM_WAIT_MS);
      try {
        const res = await client.post<{ steps: ClaimedStep[] }>(
          '/api/v1/agent/claim',
          { max, wait_ms: wait },
          signal,
          wait + 15_000,
        );
        return res.steps;
      } catch (err: unknown) {
        if (signal.aborted) return [];
        throw err;
      }
    },
    async heartbeat(leases) {
      const now = Date.now();
      const facts = now - factsSentAt >= FACTS_EVERY_MS ? await collectFacts() : undefined;
      const res = await client.post<{ lost: LeaseRef[] }>('/api/v1/agent/heartbeat', {
        leases,
        draining: state.draining(),
        ...(facts ? { facts } : {}),
      });
      if (facts) factsSentAt = now;
      return res.lost;
    },
    async complete(results, claimMore) {
      const res = await client.post<{
        accepted: (LeaseRef & { accepted: boolean; reason?: string })[];
        claimed: ClaimedStep[];
      }>('/api/v1/agent/complete', { results, claim_more: claimMore });
      return {
        refused: res.accepted
          .filter((a) => !a.accepted)
          .map((a) => ({ ...a, reason: a.reason ?? 'refused' })),
        claimed: res.claimed,
      };
    },
    async appendLogs(chunks: LogChunk[]) {
      await client.post('/api/v1/agent/logs', { chunks });
    },
  };
}
