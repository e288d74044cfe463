import { describe, expect, it } from 'vitest';
import { parseEvents } from '../../web/src/api/stream.ts';
import type { RunEvent, Step } from '../../web/src/api/types.ts';
import { attemptsOf } from '../../web/src/run/attempts.ts';
import { runGraph, shapeKey } from '../../web/src/run/graph-model.ts';

const step = (over: Partial<Step> & { id: string }): Step => ({
  step_id: over.id,
  phase: 'main',
  status: 'pending',
  attempt: 0,
  max_attempts: 1,
  outputs: {},
  result: null,
  error: null,
  agent: null,
  site: null,
  child_run_id: null,
  task: null,
  created_at: null,
  started_at: null,
  finished_at: null,
  ...over,
});

describe('the run graph', () => {
  const def = {
    metadata: { name: 'x' },
    spec: {
      steps: [
        { id: 'check', foreach: '${{ inputs.hosts }}', shell: 'echo' },
        { id: 'approve', needs: ['check'], approval: {} },
        { id: 'snapshot', needs: ['approve'], shell: 'echo', compensate: { shell: 'echo' } },
        { id: 'apply', needs: ['snapshot'], shell: 'echo' },
      ],
      finally: [{ id: 'report', log: 'done' }],
    },
  };
  const steps = [
    step({ id: 'check', status: 'succeeded' }),
    step({ id: 'check[0]', step_id: 'check', item_index: 0, status: 'succeeded' }),
    step({ id: 'check[1]', step_id: 'check', item_index: 1, status: 'failed' }),
    step({ id: 'approve', status: 'waiting' }),
    step({ id: 'snapshot', status: 'compensated' }),
    step({ id: 'snapshot~compensate', step_id: 'snapshot', phase: 'compensate', status: 'running' }),
    step({ id: 'report', phase: 'finally', status: 'pending' }),
  ];

  it('has a node per runbook step, with its state, items and compensation', () => {
    const g = runGraph(def, steps);
    expect(g.nodes.map((n) => [n.id, n.kind, n.phase, n.status])).toEqual([
      ['check', 'shell', 'main', 'succeeded'],
      ['approve', 'approval', 'main', 'waiting'],
      ['snapshot', 'shell', 'main', 'compensated'],
      ['apply', 'shell', 'main', 'pending'],
      ['report', 'log', 'finally', 'pending'],
    ]);
    expect(g.nodes[0]!.items).toEqual({ total: 2, succeeded: 1, failed: 1 });
    expect(g.nodes[2]!.compensation).toBe('running');
  });

  it('draws needs as edges, and finally steps after where the main graph ends', () => {
    const g = runGraph(def, steps);
    expect(g.edges.map((e) => [e.source, e.target, e.always ?? false])).toEqual([
      ['check', 'approve', false],
      ['approve', 'snapshot', false],
      ['snapshot', 'apply', false],
      ['apply', 'report', true],
    ]);
  });

  it('keeps its shape key when only states change, so the layout is not redone', () => {
    const later = steps.map((s) => ({ ...s, status: 'succeeded' }));
    expect(shapeKey(runGraph(def, later))).toBe(shapeKey(runGraph(def, steps)));
  });

  it('without the definition, shows the steps themselves', () => {
    const g = runGraph(undefined, steps);
    expect(g.nodes.map((n) => n.id)).toEqual(['check', 'approve', 'snapshot', 'report']);
    expect(g.edges).toEqual([]);
  });
});

describe("a step's attempts", () => {
  const ev = (id: number, type: string, attempt: number | null, data: unknown = null): RunEvent => ({
    id,
    run_id: 'r',
    type,
    step: 'apply',
    attempt,
    actor: null,
    data,
    at: `2026-01-01T00:00:0${id}.000Z`,
  });

  it('are read from the events: where each ran and how it ended', () => {
    const a = attemptsOf(
      [
        ev(1, 'step.started', 1, { agent: 'a1', site: 'idc' }),
        ev(2, 'step.attempt_failed', 1, { error: 'exit code 1' }),
        ev(3, 'step.retrying', 1, { delay_ms: 1000 }),
        ev(4, 'step.started', 2, { agent: 'a2', site: 'idc' }),
        ev(5, 'step.attempt_failed', 2, { error: 'exit code 2' }),
        ev(6, 'step.failed', 2, { error: 'exit code 2' }),
        { ...ev(7, 'step.started', 1, { agent: 'x', site: 'y' }), step: 'other' },
      ],
      'apply',
    );
    expect(a).toEqual([
      {
        attempt: 1,
        agent: 'a1',
        site: 'idc',
        startedAt: '2026-01-01T00:00:01.000Z',
        endedAt: '2026-01-01T00:00:02.000Z',
        outcome: 'failed',
        error: 'exit code 1',
      },
      {
        attempt: 2,
        agent: 'a2',
        site: 'idc',
        startedAt: '2026-01-01T00:00:04.000Z',
        endedAt: '2026-01-01T00:00:05.000Z',
        outcome: 'failed',
        error: 'exit code 2',
      },
    ]);
  });
});

describe('the event stream parser', () => {
  it('reads ids, event names and data, skips comments, and keeps an unfinished message', () => {
    const { messages, rest } = parseEvents(
      ': keepalive\n\nid: 7\nevent: run-event\ndata: {"a":1}\n\nid: 8\nevent: log\r\ndata: line1\r\ndata: line2\r\n\r\nevent: end\ndata: {}\n\nid: 9\ndata: {"par',
    );
    expect(messages).toEqual([
      { id: 7, event: 'run-event', data: '{"a":1}' },
      { id: 8, event: 'log', data: 'line1\nline2' },
      { id: null, event: 'end', data: '{}' },
    ]);
    expect(rest).toBe('id: 9\ndata: {"par');
  });
});
