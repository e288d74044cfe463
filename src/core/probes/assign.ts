/**
 * Which sites a probe runs at, and which agent of a site runs it. Each probe of a site goes to one
 * of the site's live agents by rendezvous hashing (the agent with the highest hash of probe and
 * agent), so every agent computes the same answer on its own, work spreads over the agents, and
 * when an agent goes away only its probes move.
 */
import { createHash } from 'node:crypto';
import { matches, parseSelector, ResourceSet, type Selectable } from '../estate/index.ts';
import type { ProbeDefinition, ProbeSite } from './model.ts';

const asSelectable = (s: ProbeSite): Selectable => ({
  kind: s.kind,
  name: s.name,
  site: s.name,
  source: 'sites',
  labels: s.labels,
  properties: {},
  relations: [],
});

const EMPTY = new ResourceSet([]);

/** The sites (of those given) a probe's site selector picks. Throws a TandemError for a bad selector. */
export function probeSites(probe: Pick<ProbeDefinition, 'sites'>, sites: readonly ProbeSite[]): string[] {
  const selector = parseSelector(probe.sites);
  return sites.filter((s) => matches(selector, asSelectable(s), EMPTY)).map((s) => s.name);
}

function score(probe: string, agent: string): bigint {
  return createHash('sha256').update(`${probe}\u0000${agent}`).digest().readBigUInt64BE(0);
}

/** The agent (of `agents`, ids of a site's live agents) that runs `probe`. */
export function ownerOf(probe: string, agents: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = -1n;
  for (const a of agents) {
    const s = score(probe, a);
    if (s > bestScore || (s === bestScore && best !== undefined && a < best)) {
      best = a;
      bestScore = s;
    }
  }
  return best;
}

/** The probes `agent` of `site` runs, given the site's live agents (the agent itself among them). */
export function assignedProbes<P extends ProbeDefinition>(
  probes: readonly P[],
  site: ProbeSite,
  agent: string,
  liveAgents: readonly string[],
): P[] {
  const agents = liveAgents.includes(agent) ? liveAgents : [...liveAgents, agent];
  return probes.filter((p) => {
    try {
      return probeSites(p, [site]).length === 1 && ownerOf(p.name, agents) === agent;
    } catch {
      return false; // A probe with a bad selector runs nowhere; it was refused when applied.
    }
  });
}
