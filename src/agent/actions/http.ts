import type { Action, StepResult } from '../../core/engine/index.ts';
import { errorMessage } from '../../core/errors.ts';
import type { ActionContext } from './context.ts';

type HttpAction = Extract<Action, { kind: 'http' }>;

/** Response bodies kept in the result: 1 MiB, the per-step output limit. */
const MAX_BODY_BYTES = 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 60_000;

export async function runHttp(action: HttpAction, ctx: ActionContext): Promise<StepResult> {
  if (action.insecureTls)
    return { ok: false, error: 'http: insecure_tls is not supported by this agent yet', retryable: false };
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
    const res = await fetch(url, {
      method: action.method,
      headers: { 'idempotency-key': ctx.idempotencyKey, ...action.headers },
      ...(action.body === undefined ? {} : { body: action.body }),
      signal,
      redirect: 'follow',
    });
    const buf = Buffer.from(await res.arrayBuffer());
    const body = buf.subarray(0, MAX_BODY_BYTES).toString('utf8');
    const headers: Record<string, string> = {};
    res.headers.forEach((value, name) => (headers[name] = value));
    const result = { status: res.status, headers, body };
    ctx.onLog('stdout', `${action.method} ${url.href} → ${res.status}\n`);
    const expected = action.expectStatus.length > 0 ? action.expectStatus.includes(res.status) : res.ok;
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
    return { ok: false, error: `http: ${action.method} ${url.href}: ${errorMessage(err)}` };
  }
}
