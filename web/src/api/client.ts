/**
 * The console's one way to call the API: same origin, either the session cookie (with the CSRF
 * token on every change) or a pasted API token sent as Bearer. Errors come back as `ApiError`
 * with the API's code, message and per-field details.
 */

export type Credentials = { kind: 'token'; token: string } | { kind: 'session'; csrf: string | null };

export interface ErrorDetail {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let credentials: Credentials | null = null;
let signedOut: (() => void) | null = null;

export function setCredentials(c: Credentials | null): void {
  credentials = c;
}

/** Called once when the server says the caller is no longer signed in (401). */
export function onSignedOut(handler: (() => void) | null): void {
  signedOut = handler;
}

/** The headers that prove who calls: Bearer, or the CSRF token of the session on a change. */
export function authHeaders(method = 'GET'): Record<string, string> {
  if (credentials?.kind === 'token') return { authorization: `Bearer ${credentials.token}` };
  if (credentials?.kind === 'session' && credentials.csrf && !['GET', 'HEAD'].includes(method))
    return { 'x-csrf-token': credentials.csrf };
  return {};
}

function errorFrom(status: number, body: unknown): ApiError {
  const e = (body as { error?: { code?: string; message?: string; details?: ErrorDetail[] } } | null)?.error;
  return new ApiError(status, e?.code ?? `http_${status}`, e?.message ?? `HTTP ${status}`, e?.details ?? []);
}

export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...authHeaders(method) };
  const init: RequestInit = { method, headers, credentials: 'same-origin' };
  // Fastify refuses an empty JSON body: a change without fields sends `{}`.
  if (method !== 'GET') {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body ?? {});
  }
  let res: Response;
  try {
    res = await fetch(path, init);
  } catch (err: unknown) {
    throw new ApiError(0, 'unreachable', err instanceof Error ? err.message : String(err));
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? (JSON.parse(text) as unknown) : null;
  } catch {
    json = null;
  }
  if (!res.ok) {
    const error = errorFrom(res.status, json);
    if (res.status === 401 && credentials !== null) signedOut?.();
    throw error;
  }
  return json as T;
}

export const api = {
  get: <T>(path: string) => request<T>('GET', path),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, body),
};

/** A query string from the defined values, `?a=1&b=x`, or '' when there are none. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
