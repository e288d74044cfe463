import type { Action, StepResult } from '../../core/engine/index.ts';
import { assertNever } from '../../core/errors.ts';
import type { ActionContext } from './context.ts';
import { runAnsible } from './ansible.ts';
import { runHttp } from './http.ts';
import { runProbe } from './probe.ts';
import { runProcess } from './process.ts';
import { runSsh } from './ssh.ts';

export type { ActionContext } from './context.ts';

/** Run one action to its result. Failures are results, never exceptions. */
export async function executeAction(action: Action, ctx: ActionContext): Promise<StepResult> {
  switch (action.kind) {
    case 'shell':
      return runProcess(
        () => ({
          file: '/bin/sh',
          args: ['-c', action.command],
          env: action.env,
          killGraceMs: action.killGraceMs,
          ...(action.workingDir === undefined ? {} : { workingDir: action.workingDir }),
          ...(action.user === undefined ? {} : { user: action.user }),
          ...(action.timeoutMs === undefined ? {} : { timeoutMs: action.timeoutMs }),
        }),
        ctx,
      );
    case 'script':
      return runProcess(
        (dir) => ({
          file: action.interpreter,
          args: [`${dir}/script`, ...action.args],
          env: action.env,
          killGraceMs: action.killGraceMs,
          files: { script: action.body },
          ...(action.workingDir === undefined ? {} : { workingDir: action.workingDir }),
          ...(action.user === undefined ? {} : { user: action.user }),
          ...(action.timeoutMs === undefined ? {} : { timeoutMs: action.timeoutMs }),
        }),
        ctx,
      );
    case 'http':
      return runHttp(action, ctx);
    case 'ssh':
      return runSsh(action, ctx);
    case 'ansible':
      return runAnsible(action, ctx);
    case 'probe':
      return runProbe(action, ctx);
    default:
      return assertNever(action, 'action');
  }
}
