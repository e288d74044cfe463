/**
 * Run inputs from the command line: `--inputs-file` (JSON or YAML) first, then each
 * `--input name=value`, read per the type the runbook declares for `name`.
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { coerceInputString, type InputSpec } from '../core/runbook/index.ts';
import { isRecord } from './client.ts';
import { usageError } from './errors.ts';

/** `name=value` split at the first `=`; the value may itself hold `=`. */
export function splitInputFlag(flag: string): [name: string, raw: string] {
  const eq = flag.indexOf('=');
  if (eq <= 0) throw usageError(`--input "${flag}": expected name=value`);
  return [flag.slice(0, eq), flag.slice(eq + 1)];
}

/** The inputs for a run: the file's values overridden by the flags, each flag coerced by its spec. */
export function buildInputs(
  fromFile: Record<string, unknown>,
  flags: readonly string[],
  specs: Record<string, InputSpec>,
): Record<string, unknown> {
  const inputs: Record<string, unknown> = { ...fromFile };
  for (const flag of flags) {
    const [name, raw] = splitInputFlag(flag);
    // An undeclared name is passed on as text; the server names it in its refusal.
    inputs[name] = coerceInputString(Object.hasOwn(specs, name) ? specs[name] : undefined, raw);
  }
  return inputs;
}

/** Reads an object of inputs from a `.json`, `.yaml` or `.yml` file. */
export async function readInputsFile(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err: unknown) {
    throw usageError(`--inputs-file ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return parseInputsText(file, text);
}

export function parseInputsText(file: string, text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = extname(file).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (err: unknown) {
    throw usageError(`--inputs-file ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (value === null || value === undefined) return {};
  if (!isRecord(value))
    throw usageError(`--inputs-file ${file}: expected an object of input names to values`);
  return value;
}
