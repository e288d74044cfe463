/**
 * The inputs a run is started with, checked against the runbook's `spec.inputs`.
 */
import { TandemError, type ErrorDetail } from '../errors.ts';
import type { InputSpec } from './model.ts';

const TYPE_NAMES = {
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'true or false',
  object: 'an object',
  array: 'an array',
  enum: 'one of the allowed values',
} as const;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * A short, JSON-ish rendering of a value for messages: `"abc"`, `1.5`, `an object`. A secret is
 * described by its kind only (`a string`), so error messages and logs never hold it.
 */
export function describeValue(value: unknown, secret = false): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (isPlainObject(value)) return 'an object';
  if (secret && value !== null) return typeof value === 'number' ? 'a number' : `a ${typeof value}`;
  const text = JSON.stringify(value) as string | undefined;
  if (text === undefined) return typeof value;
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function hasType(type: InputSpec['type'], value: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'object':
      return isPlainObject(value);
    case 'array':
      return Array.isArray(value);
    case 'enum':
      // Membership is checked against `enum:` below.
      return true;
  }
}

/**
 * Why `value` is not acceptable for the input, or undefined when it is: the declared JSON type
 * (integer: an integer number; number: any finite number; object: a plain object), then
 * membership of `enum:` when one is given.
 */
export function checkInputValue(
  spec: Pick<InputSpec, 'type' | 'enum' | 'secret'>,
  value: unknown,
): string | undefined {
  const type = spec.type ?? 'string';
  const got = describeValue(value, spec.secret === true);
  if (!hasType(type, value)) return `expected ${TYPE_NAMES[type]}, got ${got}`;
  if (spec.enum !== undefined && !spec.enum.some((allowed) => allowed === value)) {
    const allowed = spec.enum.map((v) => JSON.stringify(v)).join(', ');
    return `expected one of ${allowed}, got ${got}`;
  }
  if (type === 'enum' && spec.enum === undefined) return 'the input is declared type: enum without enum:';
  return undefined;
}

/**
 * The inputs of a run: `given` checked against the declared `specs`, with defaults applied.
 * Throws one `invalid_input` error listing every problem (path `inputs.<name>`): `given` not an
 * object, unknown names, required inputs missing (a default satisfies `required`), wrong types,
 * values outside `enum:`. Inputs neither given nor defaulted are left out of the result.
 */
export function resolveInputs(
  specs: Record<string, InputSpec> | undefined,
  given: unknown,
): Record<string, unknown> {
  const declared = specs ?? {};
  const values = given ?? {};
  if (!isPlainObject(values)) {
    throw new TandemError('invalid_input', 'inputs must be an object of name: value', {
      details: [{ path: 'inputs', message: `expected an object, got ${describeValue(values)}` }],
    });
  }
  const details: ErrorDetail[] = [];
  const names = Object.keys(declared);
  for (const name of Object.keys(values)) {
    if (Object.hasOwn(declared, name)) continue;
    const takes = names.length === 0 ? 'this runbook takes no inputs' : `it takes: ${names.join(', ')}`;
    details.push({ path: `inputs.${name}`, message: `unknown input "${name}"; ${takes}` });
  }
  const resolved: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(declared)) {
    const value = Object.hasOwn(values, name) ? values[name] : spec.default;
    if (value === undefined) {
      if (spec.required === true) {
        details.push({ path: `inputs.${name}`, message: `input "${name}" is required` });
      }
      continue;
    }
    const problem = checkInputValue(spec, value);
    if (problem !== undefined) details.push({ path: `inputs.${name}`, message: problem });
    else resolved[name] = value;
  }
  if (details.length > 0) {
    const summary = details.map((d) => `${d.path}: ${d.message}`).join('; ');
    throw new TandemError('invalid_input', `invalid inputs: ${summary}`, { details });
  }
  return resolved;
}

/**
 * The value of a `--input name=raw` flag, read per the declared type: numbers and booleans
 * parsed, objects and arrays parsed as JSON, enum values matched to their declared type. Text
 * that does not parse is returned as is, so `resolveInputs` reports it with the field's name.
 */
export function coerceInputString(spec: InputSpec | undefined, raw: string): unknown {
  switch (spec?.type) {
    case undefined:
    case 'string':
      return raw;
    case 'number':
    case 'integer': {
      const n = Number(raw);
      return raw.trim() !== '' && Number.isFinite(n) ? n : raw;
    }
    case 'boolean':
      return raw === 'true' ? true : raw === 'false' ? false : raw;
    case 'object':
    case 'array':
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        return raw;
      }
    case 'enum':
      return spec.enum?.find((allowed) => String(allowed) === raw) ?? raw;
  }
}
