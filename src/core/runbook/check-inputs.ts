/**
 * Checks of `spec.inputs` beyond the schema: `type: enum` lists its values, and defaults and enum
 * values fit the declared type.
 */
import { checkInputValue } from './inputs.ts';
import type { Runbook } from './model.ts';
import type { ProblemList } from './problems.ts';

export function checkInputSpecs(spec: Runbook['spec'], problems: ProblemList): void {
  for (const [name, input] of Object.entries(spec.inputs ?? {})) {
    const path = ['spec', 'inputs', name];
    if (input.type === 'enum' && input.enum === undefined) {
      problems.add([...path, 'enum'], `input "${name}" has type: enum but no enum: list of allowed values`);
      continue;
    }
    if (input.type !== 'enum') {
      input.enum?.forEach((value, i) => {
        const problem = checkInputValue({ type: input.type }, value);
        if (problem !== undefined) {
          problems.add([...path, 'enum', i], `an allowed value of this ${input.type} input: ${problem}`);
        }
      });
    }
    if (input.default !== undefined) {
      const problem = checkInputValue(input, input.default);
      if (problem !== undefined)
        problems.add([...path, 'default'], `the default does not fit the input: ${problem}`);
    }
  }
}
