/**
 * From a step as a user writes it to the action an agent receives: the runbook is parsed and
 * validated, the step rendered as the engine renders it, then — standing in for the server's
 * claim — secret references get their values and the site's known hosts are attached.
 */
import { stringify } from 'yaml';
import type { Action, KnownHost, StepResult } from '../../src/core/engine/index.ts';
import { renderAction } from '../../src/core/engine/render.ts';
import { parseRunbook } from '../../src/core/runbook/index.ts';
import { SECRET_REF, secretRef } from '../../src/core/secret-ref.ts';
import { executeAction, type ActionContext } from '../../src/agent/actions/index.ts';

const NONCE = 'testnonce1';

export interface RenderOptions {
  inputs?: Record<string, unknown>;
  secrets?: Record<string, string>;
  knownHosts?: KnownHost[];
}

function resolveSecrets(value: unknown, secrets: Record<string, string>): unknown {
  if (typeof value === 'string')
    return value.replace(SECRET_REF, (_ref, _nonce: string, name: string) => secrets[name] ?? '');
  if (Array.isArray(value)) return value.map((v) => resolveSecrets(v, secrets));
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveSecrets(v, secrets)]));
  return value;
}

/** The runbook text of one step, with `inputs` declared (lists as arrays, the rest as strings). */
export function runbookOf(step: Record<string, unknown>, inputs: Record<string, unknown> = {}): string {
  const declared = Object.fromEntries(
    Object.entries(inputs).map(([name, v]) => [name, { type: Array.isArray(v) ? 'array' : 'string' }]),
  );
  return stringify({
    apiVersion: 'tandem/v1',
    kind: 'Runbook',
    metadata: { name: 'action-test' },
    spec: { inputs: declared, steps: [{ id: 'step', ...step }] },
  });
}

export function renderStep(step: Record<string, unknown>, o: RenderOptions = {}): Action {
  const runbook = parseRunbook(runbookOf(step, o.inputs));
  const secrets = o.secrets ?? {};
  const { action } = renderAction(runbook.spec.steps[0]!, {
    inputs: o.inputs ?? {},
    steps: {},
    run: { id: 'run-1', runbook: 'action-test', version: 1, status: 'running' },
    secrets: Object.fromEntries(Object.keys(secrets).map((name) => [name, secretRef(name, NONCE)])),
  });
  const resolved = resolveSecrets(action, secrets) as Action;
  return 'knownHosts' in resolved && o.knownHosts ? { ...resolved, knownHosts: o.knownHosts } : resolved;
}

export interface Captured {
  ctx: ActionContext;
  logs: () => string;
  abort: AbortController;
}

/** An action context that keeps the log and can be cancelled. */
export function capture(): Captured {
  const abort = new AbortController();
  let logs = '';
  return {
    abort,
    logs: () => logs,
    ctx: {
      runId: 'run-1',
      key: 'step',
      attempt: 1,
      idempotencyKey: 'run-1/step/1',
      signal: abort.signal,
      onLog: (_stream, data) => (logs += data),
    },
  };
}

/** Render the step and run it as an agent would. */
export async function runStep(
  step: Record<string, unknown>,
  o: RenderOptions = {},
  captured = capture(),
): Promise<StepResult & { logs: string }> {
  const result = await executeAction(renderStep(step, o), captured.ctx);
  return { ...result, logs: captured.logs() };
}

/** Waits until `check` holds, polling every 50 ms; fails after `timeoutMs` saying what it waited for. */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
