/**
 * Agents' facts into the estate: the host each agent runs on appears by itself and its facts
 * stay fresh (agents report them at enrollment and every 10 minutes with a heartbeat).
 */
import { errorMessage } from '../core/errors.ts';
import { recordFactsOfAgent } from '../store/index.ts';
import type { EngineDeps } from './deps.ts';

/**
 * Record `facts` on the agent's host in a transaction of its own. A failure is logged, never
 * thrown: a heartbeat or an enrollment must not fail because of the estate.
 */
export async function recordAgentHost(
  deps: Pick<EngineDeps, 'store' | 'log' | 'clock'>,
  agentId: string,
  facts: unknown,
): Promise<void> {
  try {
    await deps.store.transaction((tx) => recordFactsOfAgent(tx, agentId, facts, deps.clock()));
  } catch (err: unknown) {
    deps.log.warn(
      { agent: agentId, err: errorMessage(err) },
      'could not record the agent’s facts in the estate',
    );
  }
}
