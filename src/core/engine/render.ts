import { TandemError } from '../errors.ts';
import { renderDeep, renderShell, renderTemplate, renderValue, type ExprContext } from '../expr/index.ts';
import { parseDuration } from '../runbook/index.ts';
import type { ApprovalSpec, CompensateSpec } from '../runbook/model.ts';
import type { Action } from './types.ts';

/** The site of steps without `runs_on`: the server's embedded agent. */
export const LOCAL_SITE = 'local';
/** Default grace between SIGTERM and SIGKILL (DESIGN: kill_grace 10 s). */
const DEFAULT_KILL_GRACE_MS = 10_000;

function renderEnv(env: Record<string, string> | undefined, ctx: ExprContext): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env ?? {})) out[name] = renderTemplate(value, ctx);
  return out;
}

function asString(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Render an agent step's body into the action an agent runs, and where it must run. */
export function renderAction(
  body: CompensateSpec,
  ctx: ExprContext,
): { action: Action; site: string; labels: string[] } {
  const timeoutMs = body.timeout ? parseDuration(body.timeout) : undefined;
  const killGraceMs = body.kill_grace ? parseDuration(body.kill_grace) : DEFAULT_KILL_GRACE_MS;
  const workingDir = body.working_dir === undefined ? undefined : renderTemplate(body.working_dir, ctx);
  const site = body.runs_on?.site === undefined ? LOCAL_SITE : renderTemplate(body.runs_on.site, ctx);
  const labels = (body.runs_on?.labels ?? []).map((l) => renderTemplate(l, ctx)).sort();
  let action: Action;
  if (body.shell !== undefined) {
    action = {
      kind: 'shell',
      command: renderShell(body.shell, ctx),
      env: renderEnv(body.env, ctx),
      killGraceMs,
      ...(workingDir === undefined ? {} : { workingDir }),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    };
  } else if (body.script !== undefined) {
    action = {
      kind: 'script',
      interpreter: body.script.interpreter,
      body: body.script.body,
      args: (body.script.args ?? []).map((a) => asString(renderValue(a, ctx))),
      env: renderEnv(body.env, ctx),
      killGraceMs,
      ...(workingDir === undefined ? {} : { workingDir }),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    };
  } else if (body.http !== undefined) {
    const http = body.http;
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(http.headers ?? {}))
      headers[name] = renderTemplate(value, ctx);
    let requestBody: string | undefined;
    if (typeof http.body === 'string') requestBody = renderTemplate(http.body, ctx);
    else if (http.body !== undefined) {
      requestBody = JSON.stringify(renderDeep(http.body, ctx));
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
        headers['content-type'] = 'application/json';
    }
    const expect = http.expect_status;
    action = {
      kind: 'http',
      method: http.method,
      url: renderTemplate(http.url, ctx),
      headers,
      expectStatus: expect === undefined ? [] : Array.isArray(expect) ? expect : [expect],
      insecureTls: http.insecure_tls ?? false,
      ...(requestBody === undefined ? {} : { body: requestBody }),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    };
  } else {
    throw new Error('not an agent step');
  }
  return { action, site, labels };
}

export function renderLog(body: CompensateSpec, ctx: ExprContext): string {
  return renderTemplate(body.log!, ctx);
}

export function renderWaitUntil(body: CompensateSpec, ctx: ExprContext): number {
  const value = renderValue(body.wait_until!, ctx);
  const at = typeof value === 'number' ? value : Date.parse(asString(value));
  if (!Number.isFinite(at))
    throw new TandemError('invalid_input', `wait_until: ${asString(value)} is not an RFC 3339 time`);
  return at;
}

export type RenderedApproval = Omit<ApprovalSpec, 'message'> & { message?: string };

export function renderApproval(body: CompensateSpec, ctx: ExprContext): RenderedApproval {
  const spec = body.approval!;
  const { message, ...rest } = spec;
  return message === undefined ? rest : { ...rest, message: renderTemplate(message, ctx) };
}

export function renderWorkflow(
  body: CompensateSpec,
  ctx: ExprContext,
): { runbook: string; inputs: Record<string, unknown> } {
  const wf = body.workflow!;
  return {
    runbook: wf.runbook,
    inputs: (renderDeep(wf.inputs ?? {}, ctx) ?? {}) as Record<string, unknown>,
  };
}
