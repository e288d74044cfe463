import { request as httpsRequest } from 'node:https';
import type { Action, StepResult } from '../../core/engine/index.ts';
import { errorMessage } from '../../core/errors.ts';
import type { ActionContext } from './context.ts';

type HttpAction = Extract<Action, { kind: 'http' }>;

/** Response bodies kept in the result: 1 MiB, the per-step output limit. */
const MAX_BODY_BYTES = 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 60_000;

export async function runHttp(action: HttpAction, ctx: ActionContext): Promise<StepResult> {
  let url: URL;
  try {
    url = new URL(action.url);
  } catch {
    return { ok: false, error: `http: "${action.url}" is not a valid URL`, retryable: false };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return {
      ok: false,
      error: `http: only http and https URLs are allowed, not ${url.protocol}`,
      retryable: false,
    };
  const signal = AbortSignal.any([ctx.signal, AbortSignal.timeout(action.timeoutMs ?? DEFAULT_TIMEOUT_MS)]);
  try {
    const headersOut = { 'idempotency-key': ctx.idempotencyKey, ...action.headers };
    const res =
      url.protocol === 'https:' && (action.ca !== undefined || action.insecureTls)
        ? await httpsWithTls(url, action, headersOut, signal)
        : await viaFetch(url, action, headersOut, signal);
    const { body, headers } = res;
    const result = { status: res.status, headers, body };
    ctx.onLog('stdout', `${action.method} ${url.href} → ${res.status}\n`);
    const expected =
      action.expectStatus.length > 0
        ? action.expectStatus.includes(res.status)
        : res.status >= 200 && res.status < 300;
    if (!expected) {
      const want = action.expectStatus.length > 0 ? action.expectStatus.join(' or ') : '2xx';
      return {
        ok: false,
        error: `http: ${action.method} ${url.href} answered ${res.status}, expected ${want}`,
        result,
      };
    }
    return { ok: true, outputs: { status: String(res.status), body }, result };
  } catch (err: unknown) {
    if (ctx.signal.aborted) return { ok: false, error: 'cancelled', retryable: false };
    // fetch says only "fetch failed"; the reason (refused, certificate…) is its cause.
    const cause = err instanceof Error && err.cause !== undefined ? ` (${errorMessage(err.cause)})` : '';
    return { ok: false, error: `http: ${action.method} ${url.href}: ${errorMessage(err)}${cause}` };
  }
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

async function viaFetch(
  url: URL,
  action: HttpAction,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<Answer> {
  const res = await fetch(url, {
    method: action.method,
    headers,
    ...(action.body === undefined ? {} : { body: action.body }),
    signal,
    redirect: 'follow',
  });
  const buf = Buffer.from(await res.arrayBuffer());
  const out: Record<string, string> = {};
  res.headers.forEach((value, name) => (out[name] = value));
  return { status: res.status, headers: out, body: buf.subarray(0, MAX_BODY_BYTES).toString('utf8') };
}

/** HTTPS trusting the step's CA, or (insecure_tls) any certificate; redirects are not followed. */
function httpsWithTls(
  url: URL,
  action: HttpAction,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      {
        method: action.method,
        headers,
        signal,
        ...(action.ca === undefined ? {} : { ca: action.ca }),
        ...(action.insecureTls ? { rejectUnauthorized: false } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          if (size < MAX_BODY_BYTES) chunks.push(c);
          size += c.length;
        });
        res.on('end', () => {
          const out: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers))
            if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
          resolve({
            status: res.statusCode ?? 0,
            headers: out,
            body: Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString('utf8'),
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(action.body);
  });
}
