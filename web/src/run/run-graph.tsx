/**
 * The run's DAG: laid out by ELK's layered algorithm (left to right), drawn by React Flow, each
 * node coloured by its step's state. The layout is computed again only when the shape changes.
 */
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Handle, Position, ReactFlow, type Edge, type Node, type NodeProps } from '@xyflow/react';
import { label } from '../components/common.tsx';
import { shapeKey, type GraphEdge, type GraphNode } from './graph-model.ts';

const NODE_W = 180;
const NODE_H = 58;
const MIN_HEIGHT = 140;
const MAX_HEIGHT = 420;

type Positions = Map<string, { x: number; y: number }>;

async function layout(nodes: GraphNode[], edges: GraphEdge[]): Promise<Positions> {
  // ELK is 1.4 MB: loaded with the first run view, not with the console.
  const { default: ELK } = await import('elkjs/lib/elk.bundled.js');
  const out = await new ELK().layout({
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.layered.spacing.nodeNodeBetweenLayers': '48',
      'elk.spacing.nodeNode': '20',
      'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
    },
    children: nodes.map((n) => ({ id: n.id, width: NODE_W, height: NODE_H })),
    edges: edges.map((e) => ({ id: e.id, sources: [e.source], targets: [e.target] })),
  });
  return new Map((out.children ?? []).map((c) => [c.id, { x: c.x ?? 0, y: c.y ?? 0 }]));
}

type StepNodeData = { node: GraphNode; selected: boolean };

function StepNode({ data }: NodeProps<Node<StepNodeData>>) {
  const { t } = useTranslation();
  const n = data.node;
  return (
    <div
      className={`graph-node node-${n.status}${data.selected ? ' node-selected' : ''}${n.phase === 'finally' ? ' node-finally' : ''}`}
      data-step={n.id}
      data-status={n.status}
    >
      <Handle type="target" position={Position.Left} isConnectable={false} />
      <div className="graph-node-title">{n.label}</div>
      <div className="graph-node-meta">
        <span>{n.kind}</span>
        <span className="graph-node-status">{label('status', n.status)}</span>
      </div>
      {n.items && (
        <div className="graph-node-items">
          {t('run.items', { done: n.items.succeeded, total: n.items.total })}
          {n.items.failed > 0 && ` · ${t('run.itemsFailed', { count: n.items.failed })}`}
        </div>
      )}
      {n.compensation && (
        <div className="graph-node-items">
          {t('run.compensation')}: {label('status', n.compensation)}
        </div>
      )}
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </div>
  );
}

const nodeTypes = { step: StepNode };

export function RunGraph({
  nodes,
  edges,
  selected,
  onSelect,
}: {
  nodes: GraphNode[];
  edges: GraphEdge[];
  selected: string | null;
  onSelect: (id: string) => void;
}) {
  const { t } = useTranslation();
  // Positions with the shape they were computed for: React Flow fits the view once, at mount, so
  // it must not mount on the positions of an older shape.
  const [laid, setLaid] = useState<{ shape: string; positions: Positions } | null>(null);
  const [failed, setFailed] = useState(false);
  const shape = shapeKey({ nodes, edges });
  const positions = laid?.shape === shape ? laid.positions : null;

  useEffect(() => {
    let current = true;
    layout(nodes, edges).then(
      (p) => current && setLaid({ shape, positions: p }),
      () => current && setFailed(true),
    );
    return () => {
      current = false;
    };
    // The shape key stands for nodes and edges: statuses alone do not move anything.
  }, [shape]);

  const flowNodes = useMemo<Node<StepNodeData>[]>(
    () =>
      nodes.map((n) => ({
        id: n.id,
        type: 'step',
        position: positions?.get(n.id) ?? { x: 0, y: 0 },
        data: { node: n, selected: n.id === selected },
        ariaLabel: `${n.label}: ${label('status', n.status)}`,
        // No width/height here: React Flow then measures the nodes and fits the view after that,
        // not before it knows the size of its own pane.
      })),
    [nodes, positions, selected],
  );
  const flowEdges = useMemo<Edge[]>(
    () =>
      edges.map((e) => ({
        id: e.id,
        source: e.source,
        target: e.target,
        className: e.always ? 'edge-always' : undefined,
        animated: nodes.find((n) => n.id === e.target)?.status === 'running',
      })),
    [edges, nodes],
  );

  if (failed) return <p className="muted">{t('run.graphFailed')}</p>;
  // As tall as the laid-out graph (a chain needs one row), within bounds that keep a page readable.
  const bottom = Math.max(0, ...[...(positions?.values() ?? [])].map((p) => p.y));
  const height = Math.min(MAX_HEIGHT, Math.max(MIN_HEIGHT, bottom + NODE_H + 48));
  return (
    <div
      className="graph"
      role="group"
      aria-label={t('run.graph')}
      // A style property (CSSOM), which the console's CSP allows, unlike a style attribute in HTML.
      style={{ height }}
    >
      {positions && (
        <ReactFlow
          key={shape}
          nodes={flowNodes}
          edges={flowEdges}
          nodeTypes={nodeTypes}
          onNodeClick={(_e, n) => onSelect(n.id)}
          nodesDraggable={false}
          nodesConnectable={false}
          edgesFocusable={false}
          fitView
          fitViewOptions={{ padding: 0.15, maxZoom: 1.1 }}
          minZoom={0.2}
          proOptions={{ hideAttribution: false }}
        />
      )}
    </div>
  );
}
