import { TandemError } from '../errors.ts';
import { renderDeep, renderShell, renderTemplate, renderValue, type ExprContext } from '../expr/index.ts';
import { parseDuration } from '../runbook/index.ts';
import type { ApprovalSpec, CompensateSpec, StepSpec, TaskSpec } from '../runbook/model.ts';
import { renderSelectorTemplate } from '../estate/index.ts';
import type { TargetsSpec } from '../runbook/model.ts';
import type { Action, RemoteHost, RemoteLogin, Targets } from './types.ts';

/** The site of steps without `runs_on`: the server's embedded agent. */
export const LOCAL_SITE = 'local';
/** Default grace between SIGTERM and SIGKILL (DESIGN: kill_grace 10 s). */
const DEFAULT_KILL_GRACE_MS = 10_000;

/** Each value of a record of templates (env, headers) rendered. */
function renderRecord(record: Record<string, string> | undefined, ctx: ExprContext): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(record ?? {})) out[name] = renderTemplate(value, ctx);
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
  const targets = body.ssh?.targets ?? body.ansible?.targets ?? body.probe?.targets;
  // A step that picks its hosts from a site's estate runs at that site unless runs_on says.
  const siteText = body.runs_on?.site ?? targets?.site;
  const site = siteText === undefined ? LOCAL_SITE : renderTemplate(siteText, ctx);
  const labels = (body.runs_on?.labels ?? []).map((l) => renderTemplate(l, ctx)).sort();
  // What every action that runs a process (here or on hosts) carries.
  const run = () => ({
    env: renderRecord(body.env, ctx),
    killGraceMs,
    ...(workingDir === undefined ? {} : { workingDir }),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  });
  const runAs = () => (body.user === undefined ? {} : { user: renderTemplate(body.user, ctx) });
  let action: Action;
  if (body.shell !== undefined) {
    action = { kind: 'shell', command: renderShell(body.shell, ctx), ...run(), ...runAs() };
  } else if (body.script !== undefined) {
    action = {
      kind: 'script',
      interpreter: body.script.interpreter,
      body: body.script.body,
      args: (body.script.args ?? []).map((a) => asString(renderValue(a, ctx))),
      ...run(),
      ...runAs(),
    };
  } else if (body.http !== undefined) {
    const http = body.http;
    const headers = renderRecord(http.headers, ctx);
    let requestBody: string | undefined;
    if (typeof http.body === 'string') requestBody = renderTemplate(http.body, ctx);
    else if (http.body !== undefined) {
      requestBody = JSON.stringify(renderDeep(http.body, ctx));
      if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
        headers['content-type'] = 'application/json';
    }
    action = {
      kind: 'http',
      method: http.method,
      url: renderTemplate(http.url, ctx),
      headers,
      expectStatus: statuses(http.expect_status),
      insecureTls: http.insecure_tls ?? false,
      ...(http.ca === undefined ? {} : { ca: renderTemplate(http.ca, ctx) }),
      ...(requestBody === undefined ? {} : { body: requestBody }),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    };
  } else if (body.ssh !== undefined) {
    const { command, upload } = body.ssh;
    action = {
      kind: 'ssh',
      ...renderLogin(body.ssh, site, ctx),
      ...(command === undefined ? {} : { command: renderShell(command, ctx) }),
      ...(upload && {
        upload: {
          ...upload,
          content: renderTemplate(upload.content, ctx),
          path: renderTemplate(upload.path, ctx),
        },
      }),
      ...run(),
    };
  } else if (body.ansible !== undefined) {
    const a = body.ansible;
    const playbook = typeof a.playbook === 'string' ? a.playbook : JSON.stringify(a.playbook);
    action = {
      kind: 'ansible',
      ...renderLogin(a, site, ctx),
      ...(a.playbook === undefined ? {} : { playbook }),
      ...(a.playbook_file === undefined ? {} : { playbookFile: renderTemplate(a.playbook_file, ctx) }),
      extraVars: (renderDeep(a.extra_vars ?? {}, ctx) ?? {}) as Record<string, unknown>,
      check: a.check,
      ...run(),
    };
  } else if (body.probe !== undefined) {
    const { http, tcp, dns, timeout } = body.probe;
    const probeMs = Math.min(parseDuration(timeout), timeoutMs ?? Infinity);
    action = {
      kind: 'probe',
      check: http
        ? {
            type: 'http',
            method: http.method,
            url: renderTemplate(http.url, ctx),
            headers: renderRecord(http.headers, ctx),
            expectStatus: statuses(http.expect_status),
            ...(http.contains === undefined ? {} : { contains: renderTemplate(http.contains, ctx) }),
          }
        : dns
          ? {
              type: 'dns',
              name: renderTemplate(dns.name, ctx),
              recordType: dns.type,
              ...(dns.resolver === undefined ? {} : { resolver: renderTemplate(dns.resolver, ctx) }),
              ...(dns.expect === undefined ? {} : { expect: renderTemplate(dns.expect, ctx) }),
            }
          : { type: 'tcp', host: renderTemplate(tcp!.host ?? '', ctx), port: renderPort(tcp!.port, ctx) },
      timeoutMs: probeMs,
      ...(targets === undefined ? {} : { targets: renderTargets(targets, site, ctx) }),
    };
  } else {
    throw new Error('not an agent step');
  }
  return { action, site, labels };
}

const statuses = (e: number | number[] | undefined): number[] =>
  e === undefined ? [] : Array.isArray(e) ? e : [e];

function renderPort(port: number | string, ctx: ExprContext): number {
  const n = typeof port === 'number' ? port : Number(asString(renderValue(port, ctx)));
  if (Number.isInteger(n) && n >= 1 && n <= 65535) return n;
  throw new TandemError('invalid_input', `port: ${String(port)} is not a port (1-65535)`);
}

/** `host`, `host:port`, `[v6]`, `[v6]:port`; a v6 address without brackets has no port. */
const HOST_PORT = /^(?:\[([0-9A-Fa-f:.]+(?:%[\w.-]+)?)\]|([A-Za-z0-9_][\w.-]*))(?::(\d{1,5}))?$/;
const BARE_V6 = /^[0-9A-Fa-f]*:[0-9A-Fa-f]*:[0-9A-Fa-f:.]*(?:%[\w.-]+)?$/;

/** Hosts as a list of templates or one template; each value may be a list or `a, b` text. */
function renderHosts(hosts: string | string[], port: number, ctx: ExprContext): RemoteHost[] {
  const values = (typeof hosts === 'string' ? [hosts] : hosts).flatMap((h) => [renderValue(h, ctx)].flat());
  const texts = values.flatMap((v) => asString(v).split(/[\s,]+/)).filter((t) => t !== '');
  if (texts.length === 0) throw new TandemError('invalid_input', 'hosts: the list of hosts is empty');
  const unique = new Map<string, RemoteHost>();
  for (const text of texts) {
    const m = BARE_V6.test(text) ? [text, text] : HOST_PORT.exec(text);
    const p = m?.[3] === undefined ? port : Number(m[3]);
    if (!m || p < 1 || p > 65535)
      throw new TandemError('invalid_input', `hosts: "${text}" is not host[:port] (or [v6 address]:port)`);
    const host = m[1] ?? m[2]!;
    unique.set(`${host.toLowerCase()} ${p}`, { host, port: p });
  }
  return [...unique.values()];
}

function renderLogin(
  r: NonNullable<StepSpec['ssh'] | StepSpec['ansible']>,
  site: string,
  ctx: ExprContext,
): RemoteLogin {
  return {
    site,
    hosts: r.hosts === undefined ? [] : renderHosts(r.hosts, r.port, ctx),
    ...(r.targets === undefined ? {} : { targets: renderTargets(r.targets, site, ctx, r.port) }),
    user: renderTemplate(r.user, ctx),
    ...(r.key === undefined ? {} : { key: renderTemplate(r.key, ctx) }),
    ...(r.password === undefined ? {} : { password: renderTemplate(r.password, ctx) }),
    connectTimeoutMs: parseDuration(r.connect_timeout),
    maxParallel: r.max_parallel,
    // The server attaches the site's trusted host keys when an agent claims the step.
    knownHosts: [],
  };
}

/** `targets:` rendered; the server resolves them into hosts when the step is claimed. */
function renderTargets(t: TargetsSpec, site: string, ctx: ExprContext, port?: number): Targets {
  return {
    selector: renderSelectorTemplate(t.selector, ctx),
    site: t.site === undefined ? site : renderTemplate(t.site, ctx),
    ...(port === undefined ? {} : { port }),
  };
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

/** A manual task with its title and description rendered; the form is used as written. */
export type RenderedTask = TaskSpec;

export function renderTask(body: CompensateSpec, ctx: ExprContext): RenderedTask {
  const spec = body.task!;
  const { description, ...rest } = spec;
  return {
    ...rest,
    title: renderTemplate(spec.title, ctx),
    ...(description === undefined ? {} : { description: renderTemplate(description, ctx) }),
  };
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
