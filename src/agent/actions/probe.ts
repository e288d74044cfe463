/**
 * `probe:` steps: one HTTP, TCP or DNS check, timed. Outputs `ok` ("true"/"false"), `latency_ms`
 * and, for HTTP, `status`; for DNS, `answers` (comma-separated). A failed check fails the step
 * (retryable), so `retry:` polls until it holds.
 */
import { Resolver } from 'node:dns/promises';
import { connect, isIP } from 'node:net';
import type { Action, StepResult } from '../../core/engine/index.ts';
import { errorMessage } from '../../core/errors.ts';
import type { ActionContext } from './context.ts';
import { eachLimited } from './ssh.ts';

type ProbeAction = Extract<Action, { kind: 'probe' }>;
type HttpCheck = Extract<ProbeAction['check'], { type: 'http' }>;
type TcpCheck = Extract<ProbeAction['check'], { type: 'tcp' }>;
type DnsCheck = Extract<ProbeAction['check'], { type: 'dns' }>;

/** Bodies read to look for `contains`: 1 MiB, the per-step output limit. */
const MAX_BODY_BYTES = 1024 * 1024;

interface Checked {
  ok: boolean;
  status?: number;
  /** DNS: the answers, as text. */
  answers?: string[];
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

/** `host`, `host:port`, `[v6]` or `[v6]:port` as a resolver's server address. */
function resolverServer(text: string): string {
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracket) return bracket[2] === undefined ? bracket[1]! : `[${bracket[1]}]:${bracket[2]}`;
  return text;
}

/** Each DNS answer as one line of text, whatever its record type. */
function answerText(record: unknown): string {
  if (typeof record === 'string') return record;
  if (Array.isArray(record)) return record.join('');
  if (record !== null && typeof record === 'object') {
    const r = record as Record<string, unknown>;
    if (typeof r.exchange === 'string') return `${String(r.priority)} ${r.exchange}`;
    if (typeof r.name === 'string' && typeof r.port === 'number')
      return `${String(r.priority)} ${String(r.weight)} ${String(r.port)} ${r.name}`;
  }
  return JSON.stringify(record);
}

/** Look the name up with node:dns, through `resolver` when given (else the system's resolvers). */
async function checkDns(check: DnsCheck, signal: AbortSignal, timeoutMs: number): Promise<Checked> {
  const resolver = new Resolver({ timeout: Math.max(1, timeoutMs), tries: 1 });
  if (check.resolver !== undefined) {
    const server = resolverServer(check.resolver);
    const host = server.startsWith('[') ? server.slice(1, server.indexOf(']')) : server.split(':')[0]!;
    if (isIP(host) === 0) return { ok: false, problem: `resolver ${check.resolver}: not an IP address` };
    resolver.setServers([server]);
  }
  const onAbort = () => resolver.cancel();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const answer: unknown = await resolver.resolve(check.name, check.recordType);
    const records: unknown[] = Array.isArray(answer) ? answer : [answer];
    const answers = records.map(answerText);
    if (answers.length === 0) return { ok: false, answers, problem: `no ${check.recordType} record` };
    if (check.expect !== undefined && !answers.some((a) => a.includes(check.expect!)))
      return {
        ok: false,
        answers,
        problem: `no answer contains ${JSON.stringify(check.expect)} (got ${answers.join(', ')})`,
      };
    return { ok: true, answers };
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

function describe(check: ProbeAction['check']): string {
  if (check.type === 'http') return `${check.method} ${check.url}`;
  if (check.type === 'dns')
    return `dns ${check.recordType} ${check.name}${check.resolver === undefined ? '' : ` @${check.resolver}`}`;
  return `tcp ${check.host.includes(':') ? `[${check.host}]` : check.host}:${check.port}`;
}

/** The check aimed at one host of the step's targets (for http, the URL's host is replaced). */
function aimAt(check: ProbeAction['check'], host: string): ProbeAction['check'] {
  if (check.type === 'tcp') return { ...check, host };
  if (check.type === 'dns') return { ...check, resolver: host };
  if (!URL.canParse(check.url)) return check;
  const url = new URL(check.url);
  url.hostname = host.includes(':') ? `[${host}]` : host;
  return { ...check, url: url.href };
}

/** Hosts checked at once when a probe has targets. */
const PROBES_AT_ONCE = 16;

/**
 * A probe with targets checks every host they picked; it holds only if it holds on each. Outputs
 * `ok`, the slowest `latency_ms` and the hosts that `failed` (comma-separated).
 */
async function probeHosts(action: ProbeAction, hosts: string[], ctx: ActionContext): Promise<StepResult> {
  const results: { host: string; result: StepResult }[] = [];
  await eachLimited(hosts, PROBES_AT_ONCE, async (host) => {
    const { targets: _t, hosts: _h, ...one } = action;
    results.push({ host, result: await runProbe({ ...one, check: aimAt(action.check, host) }, ctx) });
  });
  if (ctx.signal.aborted) return { ok: false, error: 'cancelled', retryable: false };
  results.sort((a, b) => hosts.indexOf(a.host) - hosts.indexOf(b.host));
  const failed = results.filter((r) => !r.result.ok);
  const latency = Math.max(0, ...results.map((r) => Number(r.result.outputs?.latency_ms ?? 0)));
  const outputs = {
    ok: String(failed.length === 0),
    latency_ms: String(latency),
    failed: failed.map((f) => f.host).join(','),
  };
  const result = {
    ok: failed.length === 0,
    latency_ms: latency,
    hosts: results.map((r) => ({
      host: r.host,
      ...(r.result.result as Record<string, unknown>),
      ...(r.result.ok ? {} : { error: r.result.error }),
    })),
  };
  if (failed.length === 0) return { ok: true, outputs, result };
  const shown = failed.slice(0, 3).map((f) => f.result.error ?? f.host);
  const more = failed.length > 3 ? `; and ${failed.length - 3} more` : '';
  return {
    ok: false,
    error: `${failed.length} of ${results.length} hosts failed: ${shown.join('; ')}${more}`,
    outputs,
    result,
    retryable: true,
  };
}

export async function runProbe(action: ProbeAction, ctx: ActionContext): Promise<StepResult> {
  if (action.hosts !== undefined) return probeHosts(action, action.hosts, ctx);
  const { check, timeoutMs } = action;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = AbortSignal.any([ctx.signal, timeout]);
  const started = performance.now();
  let checked: Checked;
  try {
    checked =
      check.type === 'http'
        ? await checkHttp(check, signal)
        : check.type === 'dns'
          ? await checkDns(check, signal, timeoutMs)
          : await checkTcp(check, signal);
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
  if (checked.answers !== undefined) {
    outputs.answers = checked.answers.join(',');
    result.answers = checked.answers;
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
