/**
 * The runner's link to the control plane: two calls of the agent protocol over HTTP for site
 * agents (`POST /api/v1/agent/probes`, `POST /api/v1/agent/probe-results`, with the agent's own
 * credential), the same two in-process for the server's embedded agent.
 */
import type { HttpClient } from '../agent/http-client.ts';
import type { Store } from '../store/index.ts';
import { acceptResults, assignmentsFor, type ProbeAssignment } from './agent-side-server.ts';
import type { AgentProbeApi } from './runner.ts';

export function httpProbeApi(client: HttpClient): AgentProbeApi {
  return {
    async assignments(signal) {
      const res = await client.post<{ probes: ProbeAssignment[] }>(
        '/api/v1/agent/probes',
        {},
        signal,
        30_000,
      );
      return res.probes;
    },
    async report(results) {
      await client.post('/api/v1/agent/probe-results', { results }, undefined, 30_000);
    },
  };
}

export function inProcessProbeApi(
  deps: { store: Store; clock: () => number },
  agent: { id: string; site: string },
): AgentProbeApi {
  return {
    assignments: () => assignmentsFor(deps.store, agent, deps.clock()),
    async report(results) {
      await acceptResults(deps.store, agent, results, deps.clock());
    },
  };
}
