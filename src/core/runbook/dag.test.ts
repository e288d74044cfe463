import { describe, expect, it } from 'vitest';
import { ancestors, findCycle, findCycles, topologicalOrder } from './dag.ts';

const diamond = [
  { id: 'd', needs: ['b', 'c'] },
  { id: 'b', needs: ['a'] },
  { id: 'c', needs: ['a'] },
  { id: 'a' },
];

describe('the step graph', () => {
  it('orders every step after the steps it needs', () => {
    expect(topologicalOrder(diamond)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('keeps declaration order among independent steps', () => {
    expect(topologicalOrder([{ id: 'z' }, { id: 'y' }, { id: 'x', needs: ['z'] }])).toEqual(['z', 'y', 'x']);
  });

  it('ignores needs naming steps outside the list', () => {
    expect(topologicalOrder([{ id: 'cleanup', needs: ['elsewhere'] }])).toEqual(['cleanup']);
  });

  it('refuses to order steps that form a cycle and names them', () => {
    const steps = [
      { id: 'a', needs: ['c'] },
      { id: 'b', needs: ['a'] },
      { id: 'c', needs: ['b'] },
      { id: 'e' },
    ];
    expect(() => topologicalOrder(steps)).toThrow(/a → c → b → a/);
  });

  it('finds a cycle as steps each needing the next', () => {
    const cycle = findCycle([
      { id: 'a', needs: ['b'] },
      { id: 'b', needs: ['a'] },
    ]);
    expect(cycle).toEqual(['a', 'b']);
  });

  it('finds no cycle in a diamond', () => {
    expect(findCycle(diamond)).toBeUndefined();
  });

  it('reports each separate cycle once', () => {
    const steps = [
      { id: 'a', needs: ['b'] },
      { id: 'b', needs: ['a'] },
      { id: 'c', needs: ['d', 'a'] },
      { id: 'd', needs: ['c'] },
    ];
    expect(findCycles(steps)).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
  });

  it('a step needing itself is a cycle of one', () => {
    expect(findCycle([{ id: 'a', needs: ['a'] }])).toEqual(['a']);
  });

  it('gives the ancestors of a step transitively, without the step itself', () => {
    expect(ancestors(diamond, 'd')).toEqual(new Set(['b', 'c', 'a']));
    expect(ancestors(diamond, 'a')).toEqual(new Set());
  });
});
