/**
 * Putting secret values into a rendered action, at claim time, for the claiming agent only.
 *
 * Rendering left references (`%%tandem-secret:NAME%%`, see core/secret-ref.ts) where the values
 * go. Each field gets the value in the form its syntax needs:
 * - shell `command`: every expression rendered as one single-quoted word, so a reference always
 *   sits inside single quotes; the value goes in with each `'` written `'\''`.
 * - ssh `command`: rendered the same way, so the same escape.
 * - `env`, `workingDir`, script `args`, http `url` and `headers`, ssh/ansible `user`, `key`,
 *   `password`, ssh `upload`, ansible `playbookFile` and the strings in `extraVars`, probe
 *   fields: the value as is (none of them is parsed by a shell). Header values cannot hold
 *   line breaks.
 * - http `body`: JSON-string-escaped when the content type is JSON or the body parses as JSON,
 *   else as is.
 * - script `body` and an inline ansible `playbook` are not templates: left untouched.
 *
 * Only references carrying the action's `secretNonce` are resolved: the nonce is random per
 * rendering and never shown, so an input or an output that spells a reference stays text.
 */
import { assertNever, TandemError } from '../core/errors.ts';
import { SECRET_REF, secretRefs } from '../core/secret-ref.ts';
import type { Action, RemoteLogin } from '../core/engine/index.ts';

export interface ResolvedAction {
  action: Action;
  /** The values put in, each once, for the masker. */
  used: string[];
}

type Escape = (value: string, name: string) => string;

const raw: Escape = (v) => v;

const singleQuoted: Escape = (v, name) => {
  if (v.includes('\0'))
    throw new TandemError('invalid_input', `secret ${name} holds a NUL character, which a shell cannot take`);
  return v.replaceAll("'", "'\\''");
};

const jsonString: Escape = (v) => JSON.stringify(v).slice(1, -1);

const headerValue: Escape = (v, name) => {
  if (/[\r\n\0]/.test(v))
    throw new TandemError(
      'invalid_input',
      `secret ${name} holds a line break or NUL, which an HTTP header cannot carry`,
    );
  return v;
};

/** The names an action refers to, in every field that is resolved. */
export function actionSecretNames(action: Action): Set<string> {
  const names = new Set<string>();
  mapAction(action, (text) => {
    for (const n of secretRefs(text, action.secretNonce)) names.add(n);
    return text;
  });
  return names;
}

/**
 * The action with each reference replaced by its value from `values`. Throws `not_found` for a
 * reference without a value; `site` only names the site in that message.
 */
export function resolveActionSecrets(
  action: Action,
  values: ReadonlyMap<string, string>,
  site?: string,
): ResolvedAction {
  const used = new Set<string>();
  const resolved = mapAction(action, (text, escape) =>
    text.replace(SECRET_REF, (ref: string, nonce: string, name: string) => {
      // A reference without this rendering's nonce came from data (an input, an output): text.
      if (nonce !== action.secretNonce) return ref;
      const value = values.get(name);
      if (value === undefined) {
        const where = site === undefined ? '' : ` for site ${site}`;
        throw new TandemError(
          'not_found',
          `secret ${name} is not set${where}: set it with "tandem secret set ${name}"`,
        );
      }
      used.add(value);
      return escape(value, name);
    }),
  );
  return { action: resolved, used: [...used] };
}

type Sub = (text: string, escape: Escape) => string;

/** The action with `sub` applied to each templated field, with the escape that field needs. */
function mapAction(action: Action, sub: Sub): Action {
  const record = (r: Record<string, string>, escape: Escape = raw) =>
    Object.fromEntries(Object.entries(r).map(([k, v]) => [k, sub(v, escape)]));
  const opt = <K extends string>(key: K, text: string | undefined) =>
    (text === undefined ? {} : { [key]: sub(text, raw) }) as Partial<Record<K, string>>;
  // env is exported by the agent itself, never pasted into a command line: values go in as is.
  const runFields = (a: { env: Record<string, string>; workingDir?: string }) => ({
    env: record(a.env),
    ...opt('workingDir', a.workingDir),
  });
  const login = (a: RemoteLogin) => ({
    user: sub(a.user, raw),
    ...opt('key', a.key),
    ...opt('password', a.password),
  });

  switch (action.kind) {
    case 'shell':
      return { ...action, command: sub(action.command, singleQuoted), ...runFields(action) };
    case 'script':
      // The body is not a template: only args (argv, never a shell line) and env are.
      return { ...action, args: action.args.map((a) => sub(a, raw)), ...runFields(action) };
    case 'http': {
      const body = action.body;
      const escape = body !== undefined && isJsonBody(action.headers, body) ? jsonString : raw;
      return {
        ...action,
        url: sub(action.url, raw),
        headers: record(action.headers, headerValue),
        ...(body === undefined ? {} : { body: sub(body, escape) }),
      };
    }
    case 'ssh': {
      const upload = action.upload;
      return {
        ...action,
        ...login(action),
        // Rendered like a `shell:` line, so a reference sits inside single quotes here too.
        ...(action.command === undefined ? {} : { command: sub(action.command, singleQuoted) }),
        ...(upload === undefined
          ? {}
          : { upload: { ...upload, content: sub(upload.content, raw), path: sub(upload.path, raw) } }),
        ...runFields(action),
      };
    }
    case 'ansible':
      // An inline playbook is not a template (Ansible has its own); extra vars travel as JSON.
      return {
        ...action,
        ...login(action),
        ...opt('playbookFile', action.playbookFile),
        extraVars: deepStrings(action.extraVars, (t) => sub(t, raw)) as Record<string, unknown>,
        ...runFields(action),
      };
    case 'probe': {
      const check = action.check;
      return {
        ...action,
        check:
          check.type === 'tcp'
            ? { ...check, host: sub(check.host, raw) }
            : check.type === 'dns'
              ? {
                  ...check,
                  name: sub(check.name, raw),
                  ...opt('resolver', check.resolver),
                  ...opt('expect', check.expect),
                }
              : {
                  ...check,
                  url: sub(check.url, raw),
                  headers: record(check.headers, headerValue),
                  ...opt('contains', check.contains),
                },
      };
    }
    default:
      // A new kind of action must say here which of its fields take secrets, and how.
      return assertNever(action, 'action kind');
  }
}

/** `value` with `fn` applied to every string in it, through arrays and plain objects. */
function deepStrings(value: unknown, fn: (text: string) => string): unknown {
  if (typeof value === 'string') return fn(value);
  if (Array.isArray(value)) return value.map((v: unknown) => deepStrings(v, fn));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, deepStrings(v, fn)]));
  }
  return value;
}

/** A JSON content type (`application/json`, `…+json`), or a body that parses as JSON. */
function isJsonBody(headers: Record<string, string>, body: string): boolean {
  const type = Object.entries(headers).find(([h]) => h.toLowerCase() === 'content-type')?.[1];
  if (type !== undefined && /^[^;]*\bjson\s*(;|$)/i.test(type)) return true;
  try {
    JSON.parse(body);
    return true;
  } catch {
    return false;
  }
}
