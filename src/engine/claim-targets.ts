/**
 * `targets:` resolved at claim time: the estate's resources a step's selector picks in its site
 * become the hosts of the action (ssh, ansible) or the hosts a probe checks. Done when the step
 * is claimed, in the claim's transaction, so each attempt works on the estate of its own time.
 */
import { parseSelector, resourceAddress } from '../core/estate/index.ts';
import type { Action, RemoteHost, Targets } from '../core/engine/index.ts';
import { errorMessage, TandemError } from '../core/errors.ts';
import { selectResources, type Tx } from '../store/index.ts';

/** Most resources one step's targets may pick: more is almost surely a selector too wide. */
export const MAX_TARGETS = 1000;

/** Whether the action has targets to resolve. */
export const hasTargets = (action: Action): boolean =>
  (action.kind === 'ssh' || action.kind === 'ansible' || action.kind === 'probe') &&
  action.targets !== undefined;

async function pick(tx: Tx, t: Targets) {
  let selector;
  try {
    selector = parseSelector(t.selector);
  } catch (err: unknown) {
    throw new TandemError('invalid_input', `targets: ${errorMessage(err)}`);
  }
  const { resources, more } = await selectResources(tx.db, selector, { site: t.site, max: MAX_TARGETS });
  if (more)
    throw new TandemError(
      'invalid_input',
      `targets: "${t.selector}" picks more than ${MAX_TARGETS} resources of site ${t.site}; narrow the selector`,
    );
  if (resources.length === 0)
    throw new TandemError(
      'invalid_input',
      `targets: nothing in the estate of site ${t.site} matches "${t.selector}" (see tandem estate list --selector)`,
    );
  return resources.map(resourceAddress);
}

/** The action with the hosts its targets pick; throws (failing the step) when they pick none. */
export async function resolveTargets(tx: Tx, action: Action): Promise<Action> {
  if ((action.kind === 'ssh' || action.kind === 'ansible') && action.targets !== undefined) {
    const port = action.targets.port ?? 22;
    const hosts = new Map<string, RemoteHost>();
    for (const a of await pick(tx, action.targets)) {
      const host = { host: a.host, port: a.port ?? port };
      hosts.set(`${host.host.toLowerCase()} ${host.port}`, host);
    }
    return { ...action, hosts: [...hosts.values()] };
  }
  if (action.kind === 'probe' && action.targets !== undefined) {
    const hosts = new Set((await pick(tx, action.targets)).map((a) => a.host));
    return { ...action, hosts: [...hosts] };
  }
  return action;
}
