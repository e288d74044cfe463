/**
 * The runbook model: the YAML a user writes, as zod schemas. The same definitions validate
 * runbooks and generate the published JSON Schema (`schemas/runbook.schema.json`).
 *
 * Glossary
 * - runbook: a named, versioned description of an operation (`kind: Runbook`).
 * - step: one node of the runbook's DAG; it has exactly one body (shell, script, http…).
 * - template: a string that may hold `${{ CEL expression }}` parts, rendered when the step is ready.
 * - duration: `500ms`, `30s`, `5m`, `2h`, `1d`, or combinations like `1h30m`.
 */
import { z } from 'zod';

import { approvalSpec, taskSpec } from './model-tasks.ts';
import { duration, template } from './model-base.ts';
import { targetsSpec } from './model-targets.ts';

export { DURATION_PATTERN, duration } from './model-base.ts';
export * from './model-tasks.ts';
export { targetsSpec, type TargetsSpec } from './model-targets.ts';

export const IDENTIFIER_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const identifier = z
  .string()
  .regex(IDENTIFIER_PATTERN, 'letters, digits, _ and -, starting with a letter or _');

export const NAME_PATTERN = /^[a-z0-9]([a-z0-9._-]{0,126}[a-z0-9])?$/;
const resourceName = z
  .string()
  .regex(NAME_PATTERN, 'lower-case letters, digits, ".", "_" and "-", at most 128 characters');

/** A string that is (or contains) one CEL expression, e.g. `${{ steps.a.outputs.n > 3 }}`. */
const expression = z.string().describe('A CEL expression, optionally written as ${{ … }}');

export const inputTypes = ['string', 'number', 'integer', 'boolean', 'object', 'array', 'enum'] as const;
export type InputType = (typeof inputTypes)[number];

export const inputSpec = z
  .strictObject({
    type: z.enum(inputTypes).default('string'),
    description: z.string().optional(),
    required: z.boolean().optional(),
    default: z.unknown().optional(),
    /** Allowed values, for `type: enum` (or to restrict a string or number). */
    enum: z
      .array(z.union([z.string(), z.number(), z.boolean()]))
      .min(1)
      .optional(),
    secret: z.boolean().optional(),
  })
  .describe('One input of the runbook');
export type InputSpec = z.infer<typeof inputSpec>;

export const concurrencySpec = z.strictObject({
  key: template.describe('Runs (or steps) with the same rendered key share the limit'),
  limit: z.number().int().min(1).default(1),
});
export type ConcurrencySpec = z.infer<typeof concurrencySpec>;

export const retrySpec = z.strictObject({
  attempts: z.number().int().min(1).max(100).default(1).describe('All tries, the first included'),
  backoff: z.enum(['constant', 'exponential']).default('exponential'),
  initial: duration.default('1s'),
  max: duration.default('5m'),
  jitter: z.boolean().default(false),
});
export type RetrySpec = z.infer<typeof retrySpec>;

export const runsOnSpec = z.strictObject({
  site: template.optional(),
  labels: z.array(template).optional(),
});
export type RunsOnSpec = z.infer<typeof runsOnSpec>;

export const scriptSpec = z.strictObject({
  interpreter: z.string().min(1).default('/bin/sh').describe('Program that runs the body, e.g. python3'),
  body: z.string(),
  args: z.array(template).optional().describe('Passed as argv, never through a shell'),
});

export const httpSpec = z.strictObject({
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']).default('GET'),
  url: template,
  headers: z.record(z.string(), template).optional(),
  body: z.union([template, z.record(z.string(), z.unknown()), z.array(z.unknown())]).optional(),
  expect_status: z.union([z.number().int(), z.array(z.number().int())]).optional(),
  insecure_tls: z.boolean().optional().describe('Accept any server certificate (for lab use only)'),
  ca: template.optional().describe('PEM of the CA that signed the server certificate'),
});

export const workflowSpec = z.strictObject({
  runbook: z.string().min(1),
  inputs: z.record(z.string(), z.unknown()).optional(),
});

/** A check between fields of a body: exactly one of `keys` is given. */
function exactlyOne<T extends object>(body: string, keys: readonly (keyof T & string)[]) {
  return (value: T, ctx: z.RefinementCtx<T>): void => {
    const given = keys.filter((key) => value[key] !== undefined);
    if (given.length === 1) return;
    const [first, second] = given;
    ctx.addIssue({
      code: 'custom',
      path: second === undefined ? [] : [second],
      message:
        first === undefined || second === undefined
          ? `${body} needs one of ${keys.join(' or ')}`
          : `${body} has both ${first} and ${second}; give exactly one`,
    });
  };
}

/** Who logs in where, for `ssh:` and `ansible:`. */
const remoteFields = {
  hosts: z
    .union([z.array(template).min(1), template])
    .optional()
    .describe('host[:port] ([v6]:port) of the site: a list, or an expression giving a list'),
  targets: targetsSpec.optional(),
  user: template.describe('The remote user'),
  key: template.optional().describe('A private key (OpenSSH or PEM), e.g. ${{ secrets.deploy_key }}'),
  password: template
    .optional()
    .describe("A password; without key or password the step fails (the agent's own keys are never used)"),
  port: z.number().int().min(1).max(65535).default(22).describe('The port of hosts written without one'),
  max_parallel: z.number().int().min(1).max(256).default(5).describe('Hosts worked on at once'),
  connect_timeout: duration.default('10s'),
};

export const sshSpec = z
  .strictObject({
    ...remoteFields,
    command: template.optional().describe('Run by the remote shell; each ${{ }} becomes one quoted word'),
    upload: z
      .strictObject({
        content: template,
        path: template.describe('Where to write it on the hosts (replaced atomically)'),
        mode: z
          .string()
          .regex(/^[0-7]{3,4}$/, 'an octal mode in quotes, e.g. "0644"')
          .optional(),
      })
      .optional(),
  })
  .superRefine(exactlyOne('ssh', ['command', 'upload']))
  .superRefine(exactlyOne('ssh', ['hosts', 'targets']));

export const ansibleSpec = z
  .strictObject({
    playbook: z
      .union([z.string(), z.array(z.record(z.string(), z.unknown()))])
      .optional()
      .describe('An inline playbook, not rendered: pass values in extra_vars'),
    playbook_file: template.optional().describe('A playbook file on the agent'),
    ...remoteFields,
    extra_vars: z
      .record(z.string(), z.unknown())
      .optional()
      .describe(
        'Rendered, then given as -e @file with every string tagged !unsafe (never templated by Ansible)',
      ),
    check: z.boolean().default(false).describe('Run with --check: report changes, make none'),
  })
  .superRefine(exactlyOne('ansible', ['playbook', 'playbook_file']))
  .superRefine(exactlyOne('ansible', ['hosts', 'targets']))
  .superRefine((value, ctx) => {
    if (typeof value.playbook === 'string' && value.playbook.includes('${{'))
      ctx.addIssue({
        code: 'custom',
        path: ['playbook'],
        message: 'the playbook is not rendered: pass values in extra_vars and use them as {{ name }}',
      });
  });

const port = z.number().int().min(1).max(65535);
/** DNS record types a probe may look up. */
export const DNS_RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'NS', 'TXT', 'SRV', 'PTR'] as const;
export const probeSpec = z
  .strictObject({
    http: z
      .strictObject({
        method: z.enum(['GET', 'HEAD', 'POST']).default('GET'),
        url: template,
        headers: z.record(z.string(), template).optional(),
        expect_status: z.union([z.number().int(), z.array(z.number().int())]).optional(),
        contains: template.optional().describe('Text the response body must contain'),
      })
      .optional(),
    tcp: z
      .strictObject({
        host: template.optional().describe('Left out with targets'),
        port: z.union([port, template]),
      })
      .optional(),
    dns: z
      .strictObject({
        name: template.describe('The name to look up'),
        type: z.enum(DNS_RECORD_TYPES).default('A'),
        resolver: template
          .optional()
          .describe("host or host:port of the DNS server to ask (default: the agent's own resolvers)"),
        expect: template.optional().describe('A value one of the answers must contain'),
      })
      .optional(),
    targets: targetsSpec
      .optional()
      .describe(
        "Check each host the estate gives (tcp without host; http with each one as the URL's host; dns asking each one)",
      ),
    timeout: duration.default('10s'),
  })
  .superRefine(exactlyOne('probe', ['http', 'tcp', 'dns']))
  .superRefine((value, ctx) => {
    const host = value.tcp?.host;
    if (value.tcp && value.targets === undefined && host === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['tcp', 'host'],
        message: 'tcp needs a host (or the probe targets)',
      });
    if (value.targets !== undefined && host !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['tcp', 'host'],
        message: 'the targets give the hosts: leave out host',
      });
    if (value.targets !== undefined && value.dns?.resolver !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['dns', 'resolver'],
        message: 'the targets give the DNS servers to ask: leave out resolver',
      });
  });

/** The kinds of body a step may have; exactly one is set. */
export const stepBodyKinds = [
  'shell',
  'script',
  'http',
  'sleep',
  'wait_until',
  'log',
  'workflow',
  'approval',
  'task',
  'ssh',
  'ansible',
  'probe',
] as const;
export type StepBodyKind = (typeof stepBodyKinds)[number];

const bodyFields = {
  shell: template.optional().describe('A shell command line; each ${{ }} becomes one quoted word'),
  script: scriptSpec.optional(),
  http: httpSpec.optional(),
  sleep: duration.optional(),
  wait_until: template.optional().describe('An RFC 3339 time or an expression giving one'),
  log: template.optional(),
  workflow: workflowSpec.optional(),
  approval: approvalSpec.optional(),
  task: taskSpec.optional(),
  ssh: sshSpec.optional(),
  ansible: ansibleSpec.optional(),
  probe: probeSpec.optional(),
};

const executionFields = {
  env: z.record(z.string(), template).optional(),
  working_dir: template.optional(),
  /** The local user a shell or script step runs as (the agent must run as root to switch). */
  user: template.optional(),
  runs_on: runsOnSpec.optional(),
  timeout: duration.optional(),
  kill_grace: duration.optional(),
};

/** A step body without DAG fields: what `compensate:` holds. */
export const compensateSpec = z.strictObject({ ...bodyFields, ...executionFields });
export type CompensateSpec = z.infer<typeof compensateSpec>;

export const stepSpec = z.strictObject({
  id: identifier,
  name: z.string().optional(),
  needs: z.array(z.string()).optional(),
  if: expression.optional(),
  foreach: z.union([z.array(z.unknown()), expression]).optional(),
  max_parallel: z.number().int().min(1).optional(),
  retry: retrySpec.optional(),
  compensate: compensateSpec.optional(),
  concurrency: concurrencySpec.optional(),
  continue_on_error: z.boolean().optional(),
  outputs: z.record(z.string(), template).optional(),
  ...bodyFields,
  ...executionFields,
});
export type StepSpec = z.infer<typeof stepSpec>;

export const runbookSpec = z.strictObject({
  apiVersion: z.literal('tandem/v1'),
  kind: z.literal('Runbook'),
  metadata: z.strictObject({
    name: resourceName,
    title: z.string().optional(),
    description: z.string().optional(),
    labels: z.record(z.string(), z.string()).optional(),
  }),
  spec: z.strictObject({
    description: z.string().optional(),
    inputs: z.record(identifier, inputSpec).optional(),
    outputs: z.record(identifier, template).optional(),
    concurrency: concurrencySpec.optional(),
    timeout: duration.optional(),
    steps: z.array(stepSpec).min(1),
    finally: z.array(stepSpec).optional(),
  }),
});
export type Runbook = z.infer<typeof runbookSpec>;

/** Which body a step (or compensation) has. Validation guarantees exactly one. */
export function stepBodyKind(step: CompensateSpec): StepBodyKind {
  for (const kind of stepBodyKinds) if (step[kind] !== undefined) return kind;
  throw new Error('step has no body');
}
