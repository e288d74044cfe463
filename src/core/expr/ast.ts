/**
 * What compile.ts learns from a parsed expression before accepting it: the variables and step
 * ids it reads, the `int(…)`/`double(…)` calls to rename to their trimming twins, and the
 * shapes refused for their cost: a comprehension inside another's body, a `matches()` pattern
 * that is not a safe literal.
 */
import type { ASTNode } from '@marcbachmann/cel-js';
import { TRIMMING_CONVERSIONS } from './environment.ts';
import { ExpressionError } from './errors.ts';
import { regexProblem } from './regex-guard.ts';

/** The structural view of a cel-js AST node used here (its `args` vary by `op`). */
export interface Node {
  readonly op: string;
  readonly args: unknown;
  readonly start: number;
  readonly end: number;
}

/** Macros that loop over a list or map: their cost is the collection's size. */
const COMPREHENSIONS = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);

export interface Analysis {
  variables: string[];
  stepIds: string[];
  /** Offsets where a one-argument `int(`/`double(` call starts, with the twin's name. */
  renames: { start: number; to: string }[];
}

export function asNode(ast: ASTNode): Node {
  return ast;
}

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && 'op' in value && 'start' in value;
}

/** The child nodes of a node, whatever the shape of its `args`. */
export function children(node: Node): Node[] {
  const out: Node[] = [];
  const visit = (value: unknown, depth: number): void => {
    if (isNode(value)) out.push(value);
    else if (Array.isArray(value) && depth < 2) for (const item of value) visit(item, depth + 1);
  };
  visit(node.args, 0);
  return out;
}

/** `[name, receiver, args]` of a method call such as `xs.all(x, p)`. */
function methodCall(node: Node): { name: string; receiver: Node; args: Node[] } | undefined {
  if (node.op !== 'rcall' || !Array.isArray(node.args)) return undefined;
  const [name, receiver, args] = node.args as [unknown, unknown, unknown];
  if (typeof name !== 'string' || !isNode(receiver) || !Array.isArray(args)) return undefined;
  return { name, receiver, args: args.filter(isNode) };
}

function isComprehension(node: Node): boolean {
  const call = methodCall(node);
  return (
    call !== undefined && COMPREHENSIONS.has(call.name) && call.args.length >= 2 && call.args[0]!.op === 'id'
  );
}

export function analyse(root: Node, source: string): Analysis {
  const variables = new Set<string>();
  const stepIds = new Set<string>();
  const renames: Analysis['renames'] = [];

  const walk = (node: Node, enclosing: string | undefined): void => {
    if (node.op === 'id' && typeof node.args === 'string') variables.add(node.args);
    const stepId = stepReference(node);
    if (stepId !== undefined) stepIds.add(stepId);
    collectRename(node, renames);
    checkMatches(node, source);

    const call = methodCall(node);
    if (call !== undefined && isComprehension(node)) {
      if (enclosing !== undefined) {
        throw new ExpressionError(
          `${call.name}() inside the body of ${enclosing}() is refused: nested loops over collections cost ` +
            'size × size. Compute the inner result in an earlier step or output',
          { source, column: node.start, reason: 'nested_comprehension' },
        );
      }
      walk(call.receiver, enclosing);
      for (const arg of call.args) walk(arg, call.name);
      return;
    }
    for (const child of children(node)) walk(child, enclosing);
  };
  walk(root, undefined);
  return { variables: [...variables], stepIds: [...stepIds], renames };
}

/** `steps.<id>`, `steps.?<id>` or `steps["id"]` → the id. */
function stepReference(node: Node): string | undefined {
  if (!Array.isArray(node.args)) return undefined;
  const [target, key] = node.args as [unknown, unknown];
  if (!isNode(target) || target.op !== 'id' || target.args !== 'steps') return undefined;
  if ((node.op === '.' || node.op === '.?') && typeof key === 'string') return key;
  if (
    (node.op === '[]' || node.op === '[?]') &&
    isNode(key) &&
    key.op === 'value' &&
    typeof key.args === 'string'
  ) {
    return key.args;
  }
  return undefined;
}

function collectRename(node: Node, renames: Analysis['renames']): void {
  if (node.op !== 'call' || !Array.isArray(node.args)) return;
  const [name, args] = node.args as [unknown, unknown];
  const twin = typeof name === 'string' ? TRIMMING_CONVERSIONS.get(name) : undefined;
  if (twin !== undefined && Array.isArray(args) && args.length === 1)
    renames.push({ start: node.start, to: twin });
}

function checkMatches(node: Node, source: string): void {
  const call = methodCall(node);
  if (call?.name !== 'matches' || call.args.length !== 1) return;
  const pattern = call.args[0]!;
  const problem =
    pattern.op === 'value' && typeof pattern.args === 'string'
      ? regexProblem(pattern.args)
      : 'is not a string literal (a pattern taken from data could be chosen to be slow)';
  if (problem !== undefined) {
    throw new ExpressionError(`the pattern of matches() ${problem}`, {
      source,
      column: pattern.start,
      reason: 'unsafe_regex',
    });
  }
}

/** `source` with each rename applied in place (names of equal length keep every offset). */
export function applyRenames(source: string, renames: Analysis['renames']): string {
  let out = source;
  for (const { start, to } of renames) {
    const from = to.toLowerCase();
    if (out.slice(start, start + from.length) !== from) continue;
    out = out.slice(0, start) + to + out.slice(start + to.length);
  }
  return out;
}
