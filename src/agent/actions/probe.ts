/**
 * `probe:` steps: one HTTP or TCP check, timed. Outputs `ok` ("true"/"false"), `latency_ms` and,
 * for HTTP, `status`. A failed check fails the step (retryable), so `retry:` polls until it holds.
 */
import { connect } from 'node:net';
import type { Action, StepResult } from '../../core/engine/index.ts';
import { errorMessage } from '../../core/errors.ts';
import type { ActionContext } from './context.ts';

type ProbeAction = Extract<Action, { kind: 'probe' }>;
type HttpCheck = Extract<ProbeAction['check'], { type: 'http' }>;
type TcpCheck = Extract<ProbeAction['check'], { type: 'tcp' }>;

/** Bodies read to look for `contains`: 1 MiB, the per-step output limit. */
const MAX_BODY_BYTES = 1024 * 1024;

interface Checked {
  ok: boolean;
  status?: number;
  problem?: string;
}

async function readLimited(res: Response): Promise<string> {
  if (res.body === null) return '';
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    chunks.push(Buffer.from(chunk));
    size += chunk.length;
    if (size >= MAX_BODY_BYTES) break;
  }
  return Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString('utf8');
}

async function checkHttp(check: HttpCheck, signal: AbortSignal): Promise<Checked> {
  const url = URL.canParse(check.url) ? new URL(check.url) : undefined;
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:'))
    return { ok: false, problem: 'not an http or https URL' };
  const res = await fetch(url, { method: check.method, headers: check.headers, signal, redirect: 'follow' });
  let body = '';
  if (check.contains === undefined) await res.body?.cancel();
  else body = await readLimited(res);
  const expected = check.expectStatus.length > 0 ? check.expectStatus.includes(res.status) : res.ok;
  if (!expected) {
    const want = check.expectStatus.length > 0 ? check.expectStatus.join(' or ') : '2xx';
    return { ok: false, status: res.status, problem: `answered ${res.status}, expected ${want}` };
  }
  if (check.contains !== undefined && !body.includes(check.contains))
    return {
      ok: false,
      status: res.status,
      problem: `the response does not contain ${JSON.stringify(check.contains)}`,
    };
  return { ok: true, status: res.status };
}

function checkTcp(check: TcpCheck, signal: AbortSignal): Promise<Checked> {
  return new Promise((resolve) => {
    const socket = connect({ host: check.host, port: check.port });
    const done = (checked: Checked) => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(checked);
    };
    const onAbort = () => done({ ok: false, problem: 'stopped' });
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => done({ ok: true }));
    socket.once('error', (err) => done({ ok: false, problem: errorMessage(err) }));
  });
}

function describe(check: ProbeAction['check']): string {
  if (check.type === 'http') return `${check.method} ${check.url}`;
  return `tcp ${check.host.includes(':') ? `[${check.host}]` : check.host}:${check.port}`;
}

export async function runProbe(action: ProbeAction, ctx: ActionContext): Promise<StepResult> {
  const { check, timeoutMs } = action;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = AbortSignal.any([ctx.signal, timeout]);
  const started = performance.now();
  let checked: Checked;
  try {
    checked = check.type === 'http' ? await checkHttp(check, signal) : await checkTcp(check, signal);
  } catch (err: unknown) {
    checked = { ok: false, problem: errorMessage(err) };
  }
  const latency = Math.round(performance.now() - started);
  if (ctx.signal.aborted) return { ok: false, error: 'cancelled', retryable: false };
  if (timeout.aborted && !checked.ok) checked = { ok: false, problem: `no answer within ${timeoutMs} ms` };
  const what = describe(check);
  const outputs: Record<string, string> = { ok: String(checked.ok), latency_ms: String(latency) };
  const result: Record<string, unknown> = { ok: checked.ok, latency_ms: latency };
  if (checked.status !== undefined) {
    outputs.status = String(checked.status);
    result.status = checked.status;
  }
  ctx.onLog(
    'stdout',
    `probe ${what}: ${checked.ok ? 'ok' : (checked.problem ?? 'failed')} (${latency} ms)\n`,
  );
  if (checked.ok) return { ok: true, outputs, result };
  return {
    ok: false,
    error: `probe ${what}: ${checked.problem ?? 'failed'}`,
    outputs,
    result,
    retryable: true,
  };
}
