/**
 * Hosts that appear by themselves: an agent's facts (see src/agent/facts.ts) make or refresh the
 * `host` resource of the machine it runs on.
 */
import { RESOURCE_NAME_PATTERN } from './model.ts';

/** The source of what an agent reports. */
export const agentSource = (agentId: string): string => `agent:${agentId}`;

/**
 * The name of the host an agent runs on: its reported hostname (lower-case: host names ignore
 * case), else the agent's own name.
 */
export function agentHostName(facts: Record<string, unknown>, agentName: string): string {
  const reported = typeof facts.hostname === 'string' ? facts.hostname.toLowerCase() : '';
  if (RESOURCE_NAME_PATTERN.test(reported)) return reported;
  return RESOURCE_NAME_PATTERN.test(agentName) ? agentName : agentName.replace(/[^A-Za-z0-9._:@-]/g, '-');
}
