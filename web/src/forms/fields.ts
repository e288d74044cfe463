/**
 * Forms generated from a runbook's `inputs` or a manual task's JSON Schema: one field model for
 * both, the raw text a person types, and the checks made before anything is sent (the server
 * checks again; its per-field answers are shown on the same fields).
 */
import type { InputSpec, JsonSchema } from '../api/types.ts';

export type FieldType = 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array';

export interface FieldSpec {
  name: string;
  title?: string;
  description?: string;
  type: FieldType;
  required: boolean;
  default?: unknown;
  /** Allowed values: drawn as a list to choose from. */
  enum?: (string | number | boolean)[];
  /** Typed into a password field, never shown back. */
  secret?: boolean;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
}

/** What the person typed: text, or the state of a checkbox. */
export type RawValue = string | boolean;

export type FieldErrorKey =
  | 'required'
  | 'number'
  | 'integer'
  | 'json'
  | 'object'
  | 'array'
  | 'enum'
  | 'minimum'
  | 'maximum'
  | 'minLength'
  | 'maxLength'
  | 'pattern';

export interface FieldError {
  key: FieldErrorKey;
  /** The bound that was crossed, for the message. */
  limit?: string;
}

const FIELD_TYPES: readonly string[] = ['string', 'number', 'integer', 'boolean', 'object', 'array'];

export function fieldsFromInputs(inputs: Record<string, InputSpec>): FieldSpec[] {
  return Object.entries(inputs).map(([name, spec]) => {
    const type = spec.type ?? 'string';
    return {
      name,
      type: type === 'enum' ? 'string' : type,
      required: spec.required === true && spec.default === undefined,
      ...(spec.description === undefined ? {} : { description: spec.description }),
      ...(spec.default === undefined ? {} : { default: spec.default }),
      ...(spec.enum === undefined ? {} : { enum: spec.enum }),
      ...(spec.secret ? { secret: true } : {}),
    };
  });
}

/** The top-level properties of an object schema, in their written order. */
export function fieldsFromSchema(schema: JsonSchema | null | undefined): FieldSpec[] {
  const required = new Set(schema?.required ?? []);
  return Object.entries(schema?.properties ?? {}).map(([name, p]) => {
    const t = Array.isArray(p.type) ? p.type.find((x) => x !== 'null') : p.type;
    const type: FieldType = t && FIELD_TYPES.includes(t) ? (t as FieldType) : 'string';
    const f: FieldSpec = { name, type, required: required.has(name) };
    if (p.title !== undefined) f.title = p.title;
    if (p.description !== undefined) f.description = p.description;
    if (p.default !== undefined) f.default = p.default;
    if (p.enum !== undefined) f.enum = p.enum;
    if (p.format === 'password') f.secret = true;
    for (const k of ['minimum', 'maximum', 'minLength', 'maxLength'] as const)
      if (typeof p[k] === 'number') f[k] = p[k];
    if (p.pattern !== undefined) f.pattern = p.pattern;
    return f;
  });
}

export function initialRaw(f: FieldSpec): RawValue {
  if (f.type === 'boolean' && f.enum === undefined) return f.default === true;
  if (f.default === undefined || f.secret) return '';
  if (f.type === 'object' || f.type === 'array') return JSON.stringify(f.default, null, 2);
  // A string as is; a number or boolean default as JSON writes it.
  return typeof f.default === 'string' ? f.default : JSON.stringify(f.default);
}

const isPlainObject = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The value of one field from what was typed. `{}` (no value, no error) means left empty: the
 * field is not sent and the server applies the default.
 */
export function parseField(f: FieldSpec, raw: RawValue): { value?: unknown; error?: FieldError } {
  if (typeof raw === 'boolean') return { value: raw };
  const text = f.type === 'string' ? raw : raw.trim();
  if (text === '') return f.required ? { error: { key: 'required' } } : {};
  if (f.enum !== undefined) {
    const allowed = f.enum.find((v) => String(v) === text);
    return allowed === undefined ? { error: { key: 'enum' } } : { value: allowed };
  }
  switch (f.type) {
    case 'boolean':
      return text === 'true'
        ? { value: true }
        : text === 'false'
          ? { value: false }
          : { error: { key: 'enum' } };
    case 'number':
    case 'integer': {
      const n = Number(text);
      if (!Number.isFinite(n)) return { error: { key: 'number' } };
      if (f.type === 'integer' && !Number.isInteger(n)) return { error: { key: 'integer' } };
      if (f.minimum !== undefined && n < f.minimum)
        return { error: { key: 'minimum', limit: String(f.minimum) } };
      if (f.maximum !== undefined && n > f.maximum)
        return { error: { key: 'maximum', limit: String(f.maximum) } };
      return { value: n };
    }
    case 'object':
    case 'array': {
      let v: unknown;
      try {
        v = JSON.parse(text);
      } catch {
        return { error: { key: 'json' } };
      }
      if (f.type === 'array' ? !Array.isArray(v) : !isPlainObject(v)) return { error: { key: f.type } };
      return { value: v };
    }
    case 'string': {
      if (f.minLength !== undefined && text.length < f.minLength)
        return { error: { key: 'minLength', limit: String(f.minLength) } };
      if (f.maxLength !== undefined && text.length > f.maxLength)
        return { error: { key: 'maxLength', limit: String(f.maxLength) } };
      if (f.pattern !== undefined && !safePattern(f.pattern).test(text))
        return { error: { key: 'pattern', limit: f.pattern } };
      return { value: text };
    }
  }
}

/** A schema's pattern; one that does not compile accepts everything (the server decides). */
function safePattern(p: string): RegExp {
  try {
    return new RegExp(p, 'u');
  } catch {
    return /[\s\S]*/;
  }
}

/** Every field checked: the values to send and the errors by field name. */
export function validateFields(
  fields: FieldSpec[],
  raws: Record<string, RawValue>,
): { values: Record<string, unknown>; errors: Record<string, FieldError> } {
  const values: Record<string, unknown> = {};
  const errors: Record<string, FieldError> = {};
  for (const f of fields) {
    const r = parseField(f, raws[f.name] ?? initialRaw(f));
    if (r.error) errors[f.name] = r.error;
    else if ('value' in r) values[f.name] = r.value;
  }
  return { values, errors };
}

/** The server's per-field reasons (`inputs.name`, `outputs.name`, `body.name`) by field name. */
export function serverFieldErrors(details: { path: string; message: string }[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of details) {
    const m = /^(?:inputs|outputs|values|body(?:\.outputs)?)\.([^.[]+)/.exec(d.path);
    if (m) out[m[1]!] = d.message;
  }
  return out;
}
