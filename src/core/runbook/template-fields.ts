/**
 * Every string of a runbook that is rendered with `${{ … }}` expressions, with where it is and
 * when it is evaluated, so validation can compile each one and check what it refers to.
 */
import type { CompensateSpec, Runbook, StepSpec } from './model.ts';
import type { PathSegment } from './yaml-source.ts';

/**
 * `template`: text with optional `${{ }}` parts. `expression`: one CEL expression, bare or as a
 * single `${{ }}` (`if:`, a `foreach:` string).
 */
export type FieldMode = 'template' | 'expression';

/** When a field is evaluated, which decides the steps whose outputs it may read. */
export type FieldScope =
  | { kind: 'step'; stepId: string; section: 'steps' | 'finally'; compensate: boolean }
  /** `spec.concurrency.key`: rendered when the run starts, before any step. */
  | { kind: 'run-start' }
  /** `spec.outputs`: rendered when the run ends. */
  | { kind: 'run-end' };

export interface TemplateField {
  path: PathSegment[];
  text: string;
  mode: FieldMode;
  scope: FieldScope;
}

type Add = (path: PathSegment[], text: string | undefined, mode?: FieldMode) => void;

/** Strings anywhere inside a free-form value (an HTTP body, a child workflow's inputs). */
function addStrings(add: Add, path: PathSegment[], value: unknown): void {
  if (typeof value === 'string') add(path, value);
  else if (Array.isArray(value)) value.forEach((item, i) => addStrings(add, [...path, i], item));
  else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) addStrings(add, [...path, key], item);
  }
}

function addEntries(add: Add, path: PathSegment[], record: Record<string, string> | undefined): void {
  for (const [key, text] of Object.entries(record ?? {})) add([...path, key], text);
}

/** Who logs in where (`ssh:`, `ansible:`): hosts, user and credentials. */
function addRemoteFields(add: Add, path: PathSegment[], remote: CompensateSpec['ssh' | 'ansible']): void {
  if (remote === undefined) return;
  if (typeof remote.hosts === 'string') add([...path, 'hosts'], remote.hosts);
  else remote.hosts?.forEach((host, i) => add([...path, 'hosts', i], host));
  add([...path, 'targets', 'selector'], remote.targets?.selector);
  add([...path, 'targets', 'site'], remote.targets?.site);
  add([...path, 'user'], remote.user);
  add([...path, 'key'], remote.key);
  add([...path, 'password'], remote.password);
}

/** The fields shared by a step and its `compensate:`: the body and how it is executed. */
function addBodyFields(add: Add, path: PathSegment[], step: CompensateSpec): void {
  add([...path, 'shell'], step.shell);
  add([...path, 'wait_until'], step.wait_until);
  add([...path, 'log'], step.log);
  add([...path, 'working_dir'], step.working_dir);
  add([...path, 'user'], step.user);
  step.script?.args?.forEach((arg, i) => add([...path, 'script', 'args', i], arg));
  if (step.http) {
    add([...path, 'http', 'url'], step.http.url);
    addEntries(add, [...path, 'http', 'headers'], step.http.headers);
    addStrings(add, [...path, 'http', 'body'], step.http.body);
    add([...path, 'http', 'ca'], step.http.ca);
  }
  add([...path, 'approval', 'message'], step.approval?.message);
  add([...path, 'task', 'title'], step.task?.title);
  add([...path, 'task', 'description'], step.task?.description);
  addRemoteFields(add, [...path, 'ssh'], step.ssh);
  add([...path, 'ssh', 'command'], step.ssh?.command);
  add([...path, 'ssh', 'upload', 'content'], step.ssh?.upload?.content);
  add([...path, 'ssh', 'upload', 'path'], step.ssh?.upload?.path);
  addRemoteFields(add, [...path, 'ansible'], step.ansible);
  add([...path, 'ansible', 'playbook_file'], step.ansible?.playbook_file);
  addStrings(add, [...path, 'ansible', 'extra_vars'], step.ansible?.extra_vars);
  const probe = step.probe;
  add([...path, 'probe', 'http', 'url'], probe?.http?.url);
  addEntries(add, [...path, 'probe', 'http', 'headers'], probe?.http?.headers);
  add([...path, 'probe', 'http', 'contains'], probe?.http?.contains);
  add([...path, 'probe', 'tcp', 'host'], probe?.tcp?.host);
  add([...path, 'probe', 'dns', 'name'], probe?.dns?.name);
  add([...path, 'probe', 'dns', 'resolver'], probe?.dns?.resolver);
  add([...path, 'probe', 'dns', 'expect'], probe?.dns?.expect);
  add([...path, 'probe', 'targets', 'selector'], probe?.targets?.selector);
  add([...path, 'probe', 'targets', 'site'], probe?.targets?.site);
  if (typeof probe?.tcp?.port === 'string') add([...path, 'probe', 'tcp', 'port'], probe.tcp.port);
  addStrings(add, [...path, 'workflow', 'inputs'], step.workflow?.inputs);
  addEntries(add, [...path, 'env'], step.env);
  add([...path, 'runs_on', 'site'], step.runs_on?.site);
  step.runs_on?.labels?.forEach((label, i) => add([...path, 'runs_on', 'labels', i], label));
}

function addStepFields(
  out: TemplateField[],
  step: StepSpec,
  index: number,
  section: 'steps' | 'finally',
): void {
  const path: PathSegment[] = ['spec', section, index];
  const adder =
    (compensate: boolean): Add =>
    (fieldPath, text, mode = 'template') => {
      if (text === undefined) return;
      out.push({
        path: fieldPath,
        text,
        mode,
        scope: { kind: 'step', stepId: step.id, section, compensate },
      });
    };
  const add = adder(false);
  add([...path, 'if'], step.if, 'expression');
  if (typeof step.foreach === 'string') add([...path, 'foreach'], step.foreach, 'expression');
  addEntries(add, [...path, 'outputs'], step.outputs);
  add([...path, 'concurrency', 'key'], step.concurrency?.key);
  addBodyFields(add, path, step);
  if (step.compensate) addBodyFields(adder(true), [...path, 'compensate'], step.compensate);
}

/** The rendered fields of a (structurally valid) runbook spec, in file order per step. */
export function templateFields(spec: Runbook['spec']): TemplateField[] {
  const out: TemplateField[] = [];
  if (spec.concurrency) {
    out.push({
      path: ['spec', 'concurrency', 'key'],
      text: spec.concurrency.key,
      mode: 'template',
      scope: { kind: 'run-start' },
    });
  }
  for (const [name, text] of Object.entries(spec.outputs ?? {})) {
    out.push({ path: ['spec', 'outputs', name], text, mode: 'template', scope: { kind: 'run-end' } });
  }
  spec.steps.forEach((step, i) => addStepFields(out, step, i, 'steps'));
  spec.finally?.forEach((step, i) => addStepFields(out, step, i, 'finally'));
  return out;
}
