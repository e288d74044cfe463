/**
 * The answers to a manual task's form from the command line: `--file` (JSON or YAML) first, then
 * each `--set name=value`, read per the type the form gives `name` (number, boolean, object…).
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { isRecord } from './client.ts';
import { usageError } from './errors.ts';

/** A value for a form field of this JSON Schema type; text the type cannot read stays text. */
export function coerceAnswer(schema: unknown, raw: string): unknown {
  const type = isRecord(schema) ? schema.type : undefined;
  switch (type) {
    case 'integer':
    case 'number': {
      const n = Number(raw);
      return raw.trim() !== '' && Number.isFinite(n) ? n : raw;
    }
    case 'boolean':
      return raw === 'true' ? true : raw === 'false' ? false : raw;
    case 'array':
    case 'object':
    case 'null':
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        return raw;
      }
    default:
      return raw;
  }
}

/** The answers: the file's values overridden by the flags, each coerced by the form. */
export function buildAnswers(
  fromFile: Record<string, unknown>,
  sets: readonly string[],
  form: unknown,
): Record<string, unknown> {
  const properties = isRecord(form) && isRecord(form.properties) ? form.properties : {};
  const answers: Record<string, unknown> = { ...fromFile };
  for (const flag of sets) {
    const eq = flag.indexOf('=');
    if (eq <= 0) throw usageError(`--set "${flag}": expected name=value`);
    const name = flag.slice(0, eq);
    // A name the form does not know is sent as text: the server names it in its refusal.
    answers[name] = coerceAnswer(
      Object.hasOwn(properties, name) ? properties[name] : undefined,
      flag.slice(eq + 1),
    );
  }
  return answers;
}

/** An object of answers from a `.json`, `.yaml` or `.yml` file. */
export async function readAnswersFile(file: string): Promise<Record<string, unknown>> {
  let value: unknown;
  try {
    const text = await readFile(file, 'utf8');
    value = extname(file).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (err: unknown) {
    throw usageError(`--file ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (value === null || value === undefined) return {};
  if (!isRecord(value)) throw usageError(`--file ${file}: expected an object of field names to answers`);
  return value;
}
