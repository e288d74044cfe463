/**
 * What a claimed action gets only at claim time, for the claiming agent's site: secret values
 * (resolved from references), the hosts its `targets:` pick from the estate, the site's trusted
 * SSH host keys, and the values to mask.
 */
import type { Action } from '../core/engine/index.ts';
import { errorMessage } from '../core/errors.ts';
import { knownHostsOf, type ClaimedStep, type Tx } from '../store/index.ts';
import { actionSecretNames, resolveActionSecrets, secretValues, type MasterKey } from '../secrets/index.ts';
import { hasTargets, resolveTargets } from './claim-targets.ts';

/** Whether a claimed action needs this preparation (others go to the agent as they are). */
export const needsPreparation = (action: Action): boolean =>
  action.secretNonce !== undefined ||
  action.kind === 'ssh' ||
  action.kind === 'ansible' ||
  hasTargets(action);

export interface PreparedClaim {
  ready: ClaimedStep[];
  /** Steps that cannot run here (a secret is not set for the site): fail them. */
  failed: { step: ClaimedStep; error: string }[];
}

export async function prepareClaimed(
  tx: Tx,
  site: string,
  claimed: ClaimedStep[],
  masterKey: MasterKey | undefined,
): Promise<PreparedClaim> {
  const out: PreparedClaim = { ready: [], failed: [] };
  let hostKeys: Awaited<ReturnType<typeof knownHostsOf>> | undefined;
  for (const step of claimed) {
    let action = step.action;
    try {
      action = await resolveTargets(tx, action);
      if (action.kind === 'ssh' || action.kind === 'ansible') {
        hostKeys ??= await knownHostsOf(tx.db, site);
        action = { ...action, knownHosts: hostKeys };
      }
      let mask: string[] = [];
      if (action.secretNonce !== undefined) {
        const names = [...actionSecretNames(action)];
        if (names.length > 0) {
          if (!masterKey) throw new Error('this server has no master key: secrets are not available');
          const values = await secretValues(tx.db, masterKey, { site, names });
          const resolved = resolveActionSecrets(action, values, site);
          action = resolved.action;
          mask = resolved.used;
        }
      }
      out.ready.push({ ...step, action, ...(mask.length > 0 ? { mask } : {}) });
    } catch (err: unknown) {
      out.failed.push({ step, error: errorMessage(err) });
    }
  }
  return out;
}
