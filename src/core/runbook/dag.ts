/**
 * The step graph formed by `needs`. A step needs the steps it names; they run before it.
 * These functions take any list of `{ id, needs }` (main steps or `finally` steps); a need that
 * names no step of the list is ignored here (validation reports it).
 */
import { TandemError } from '../errors.ts';

/** The part of a step the graph is made of. */
export interface DagNode {
  id: string;
  needs?: readonly string[] | undefined;
}

function needsOf(steps: readonly DagNode[]): Map<string, string[]> {
  const ids = new Set(steps.map((s) => s.id));
  const graph = new Map<string, string[]>();
  for (const step of steps) {
    graph.set(
      step.id,
      (step.needs ?? []).filter((n) => ids.has(n)),
    );
  }
  return graph;
}

/**
 * Step ids in an order where every step comes after the steps it needs; among steps ready at
 * the same time, declaration order wins. Throws `invalid_runbook` when the steps form a cycle.
 */
export function topologicalOrder(steps: readonly DagNode[]): string[] {
  const graph = needsOf(steps);
  const waitingOn = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const [id, needs] of graph) {
    waitingOn.set(id, new Set(needs).size);
    for (const need of new Set(needs)) dependents.set(need, [...(dependents.get(need) ?? []), id]);
  }
  const order: string[] = [];
  const done = new Set<string>();
  while (order.length < graph.size) {
    // First ready step in declaration order; O(n²) is fine for runbooks of a few hundred steps.
    const next = steps.find((s) => !done.has(s.id) && waitingOn.get(s.id) === 0);
    if (next === undefined) {
      const cycle = findCycle(steps) ?? [];
      throw new TandemError('invalid_runbook', `steps form a cycle: ${describeCycle(cycle)}`);
    }
    done.add(next.id);
    order.push(next.id);
    for (const dependent of dependents.get(next.id) ?? []) {
      waitingOn.set(dependent, (waitingOn.get(dependent) ?? 1) - 1);
    }
  }
  return order;
}

/**
 * Cycles of the graph, each as the list of step ids where every step needs the next and the last
 * needs the first. Cycles that only repeat steps already reported are left out, so a knot of
 * steps is reported once. A step that needs itself is a cycle of one.
 */
export function findCycles(steps: readonly DagNode[]): string[][] {
  const graph = needsOf(steps);
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const reported = new Set<string>();
  const cycles: string[][] = [];

  const visit = (id: string): void => {
    state.set(id, 'visiting');
    stack.push(id);
    for (const need of graph.get(id) ?? []) {
      const seen = state.get(need);
      if (seen === undefined) {
        visit(need);
      } else if (seen === 'visiting') {
        const cycle = stack.slice(stack.lastIndexOf(need));
        if (cycle.some((s) => !reported.has(s))) {
          cycles.push(cycle);
          for (const s of cycle) reported.add(s);
        }
      }
    }
    stack.pop();
    state.set(id, 'done');
  };
  for (const step of steps) if (!state.has(step.id)) visit(step.id);
  return cycles;
}

/** One cycle of the graph (see `findCycles`), or undefined when it has none. */
export function findCycle(steps: readonly DagNode[]): string[] | undefined {
  return findCycles(steps)[0];
}

/** `a → b → a`: a cycle as returned by `findCycles`, closed on its first step. */
export function describeCycle(cycle: readonly string[]): string {
  return [...cycle, ...cycle.slice(0, 1)].join(' → ');
}

/** Every step `id` needs, directly or transitively (not `id` itself unless it is in a cycle). */
export function ancestors(steps: readonly DagNode[], id: string): Set<string> {
  const graph = needsOf(steps);
  const found = new Set<string>();
  const queue = [...(graph.get(id) ?? [])];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    if (found.has(next)) continue;
    found.add(next);
    queue.push(...(graph.get(next) ?? []));
  }
  return found;
}
