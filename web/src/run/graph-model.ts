/**
 * The run's DAG as nodes and edges: one node per step of the runbook (a foreach step is one node
 * with its items counted), edges from `needs`, and the `finally` steps after the main graph.
 * Pure, so the shapes are tested without a browser.
 */
import type { RunbookDefinition, Step, StepSpec } from '../api/types.ts';

export const BODY_KINDS = [
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

export interface GraphNode {
  id: string;
  label: string;
  kind: string;
  phase: 'main' | 'finally';
  status: string;
  /** A foreach step: how many items, how many done, how many failed. */
  items?: { total: number; succeeded: number; failed: number };
  /** The status of its compensation, once one ran. */
  compensation?: string;
}

export interface GraphEdge {
  id: string;
  source: string;
  target: string;
  /** From the main graph to a `finally` step: runs whatever the outcome. */
  always?: boolean;
}

export function bodyKind(spec: StepSpec): string {
  return BODY_KINDS.find((k) => spec[k] !== undefined) ?? 'step';
}

function nodesOf(specs: StepSpec[], phase: GraphNode['phase'], steps: Step[]): GraphNode[] {
  return specs.map((spec) => {
    const own = steps.find((s) => s.id === spec.id && s.phase === phase);
    const items = steps.filter(
      (s) => s.step_id === spec.id && s.item_index !== undefined && s.phase === phase,
    );
    const comp = steps.find((s) => s.step_id === spec.id && s.phase === 'compensate');
    const node: GraphNode = {
      id: spec.id,
      label: spec.name ?? spec.id,
      kind: bodyKind(spec),
      phase,
      status: own?.status ?? 'pending',
    };
    if (items.length > 0)
      node.items = {
        total: items.length,
        succeeded: items.filter((s) => s.status === 'succeeded').length,
        failed: items.filter((s) => s.status === 'failed').length,
      };
    if (comp) node.compensation = comp.status;
    return node;
  });
}

function edgesOf(specs: StepSpec[]): GraphEdge[] {
  const ids = new Set(specs.map((s) => s.id));
  return specs.flatMap((s) =>
    (s.needs ?? []).filter((n) => ids.has(n)).map((n) => ({ id: `${n}->${s.id}`, source: n, target: s.id })),
  );
}

/** Steps nothing else needs: where the main graph ends. */
function sinks(specs: StepSpec[]): string[] {
  const needed = new Set(specs.flatMap((s) => s.needs ?? []));
  return specs.filter((s) => !needed.has(s.id)).map((s) => s.id);
}

export function runGraph(
  def: RunbookDefinition | null | undefined,
  steps: Step[],
): { nodes: GraphNode[]; edges: GraphEdge[] } {
  if (!def) {
    // Without the definition (not readable), the steps themselves, unconnected.
    const own = (phase: string) =>
      steps.filter((s) => s.item_index === undefined && s.phase === phase).map((s) => ({ id: s.id }));
    return {
      nodes: [...nodesOf(own('main'), 'main', steps), ...nodesOf(own('finally'), 'finally', steps)],
      edges: [],
    };
  }
  const main = def.spec.steps;
  const fin = def.spec.finally ?? [];
  const nodes = [...nodesOf(main, 'main', steps), ...nodesOf(fin, 'finally', steps)];
  const edges = [...edgesOf(main), ...edgesOf(fin)];
  const finIds = new Set(fin.map((s) => s.id));
  const finRoots = fin.filter((s) => !(s.needs ?? []).some((n) => finIds.has(n))).map((s) => s.id);
  for (const from of sinks(main))
    for (const to of finRoots) edges.push({ id: `${from}=>${to}`, source: from, target: to, always: true });
  return { nodes, edges };
}

/** A key that changes only when the graph's shape does, so the layout is not computed again for a status. */
export const shapeKey = (g: { nodes: GraphNode[]; edges: GraphEdge[] }) =>
  `${g.nodes.map((n) => n.id).join(',')}|${g.edges.map((e) => e.id).join(',')}`;
