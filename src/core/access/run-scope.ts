/** Where a run acts, for access checks: its runbook's labels and the sites it names. */
import type { Runbook } from '../runbook/model.ts';
import type { AccessTarget } from './grants.ts';

/**
 * The sites of a run: its `site` input when it has one (runbooks that act on a chosen site take
 * it as an input), otherwise every literal `runs_on.site` of its steps. Sites computed by an
 * expression are not known before the run, so such a runbook counts as naming the input only.
 */
export function runScope(runbook: Runbook, inputs: Record<string, unknown>): AccessTarget {
  const labels = runbook.metadata.labels ?? {};
  if (typeof inputs.site === 'string') return { sites: [inputs.site], labels };
  const sites = new Set<string>();
  for (const step of [...runbook.spec.steps, ...(runbook.spec.finally ?? [])]) {
    const site = step.runs_on?.site;
    if (typeof site === 'string' && !site.includes('${{')) sites.add(site);
  }
  return { sites: [...sites], labels };
}
