/**
 * `targets:` of ssh, ansible and probe steps: hosts picked from the estate by a selector when the
 * step is claimed, instead of hosts written in the runbook.
 */
import { z } from 'zod';
import { isTandemError } from '../errors.ts';
import { parseSelector } from '../estate/selector.ts';
import { selectorShape } from '../estate/selector-template.ts';
import { template } from './model-base.ts';

export const targetsSpec = z
  .strictObject({
    selector: template
      .min(1)
      .describe(
        'A selector of the estate, e.g. "kind=host,role=web" (see tandem estate list --help); each ${{ }} gives quoted values',
      ),
    site: template
      .optional()
      .describe(
        "Pick resources of this site (default: the step's site); the step runs there unless runs_on says",
      ),
  })
  .superRefine((value, ctx) => {
    // Checked now, each ${{ }} standing for a value (it renders as quoted values, see
    // selector-template.ts); an expression that does not compile is reported on its own.
    const shape = selectorShape(value.selector);
    if (shape === undefined) return;
    try {
      parseSelector(shape);
    } catch (err: unknown) {
      if (!isTandemError(err)) throw err;
      ctx.addIssue({ code: 'custom', path: ['selector'], message: err.message });
    }
  })
  .describe('Hosts from the estate: the resources a selector picks, resolved when the step is claimed');
export type TargetsSpec = z.infer<typeof targetsSpec>;
