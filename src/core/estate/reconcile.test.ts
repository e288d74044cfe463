import { describe, expect, it } from 'vitest';
import { diffStates, foldChanges } from './diff.ts';
import type { Resource, ResourceSpec } from './model.ts';
import { planApply } from './reconcile.ts';

const spec = (name: string, o: Partial<ResourceSpec> = {}): ResourceSpec => ({
  kind: 'host',
  name,
  site: 'idc-sh',
  labels: {},
  properties: {},
  relations: [],
  ...o,
});
const stored = (name: string, source: string, o: Partial<Resource> = {}): Resource => ({
  ...spec(name),
  id: `id-${name}`,
  source,
  facts: null,
  createdAt: 1,
  updatedAt: 1,
  ...o,
});

describe('applying a source', () => {
  it('creates, updates, keeps, and removes what the source no longer lists', () => {
    const plan = planApply(
      'gitops',
      [spec('new'), spec('same'), spec('changed', { labels: { role: 'web' } })],
      [stored('same', 'gitops'), stored('changed', 'gitops'), stored('dropped', 'gitops')],
    );
    expect(plan.map((p) => [p.name, p.action])).toEqual([
      ['new', 'create'],
      ['same', 'unchanged'],
      ['changed', 'update'],
      ['dropped', 'delete'],
    ]);
    expect(plan[2]!.changes).toEqual([{ field: 'labels.role', after: 'web' }]);
    expect(plan[3]!.changes).toContainEqual({ field: 'site', before: 'idc-sh' });
  });

  it('leaves resources of other sources alone, but takes over hosts agents reported', () => {
    const plan = planApply(
      'gitops',
      [spec('imported'), spec('seen', { labels: { role: 'db' } })],
      [
        stored('imported', 'ansible:hosts.ini'),
        stored('seen', 'agent:a1', { facts: { cpus: 4 } }),
        stored('other', 'ansible:hosts.ini'),
      ],
    );
    expect(plan.map((p) => [p.name, p.action])).toEqual([
      ['imported', 'conflict'],
      ['seen', 'update'],
    ]);
    expect(plan[0]!.reason).toMatch(/belongs to source ansible:hosts.ini/);
    // The agent's facts stay; only the declared fields and the owner change.
    expect(plan[1]!.changes).toEqual([
      { field: 'labels.role', after: 'db' },
      { field: 'source', before: 'agent:a1', after: 'gitops' },
    ]);
  });
});

describe('diffs', () => {
  const state = (o: Partial<Resource> = {}) => ({ ...stored('h', 's'), ...o });

  it('compare field by field, relations as lists of kind/name', () => {
    expect(
      diffStates(
        state({ properties: { a: 1, b: { x: 1 } }, facts: { cpus: 2 } }),
        state({
          properties: { b: { x: 2 } },
          facts: { cpus: 4 },
          relations: [{ type: 'runs_on', kind: 'cluster', name: 'k1' }],
        }),
      ),
    ).toEqual([
      { field: 'facts.cpus', before: 2, after: 4 },
      { field: 'properties.a', before: 1 },
      { field: 'properties.b', before: { x: 1 }, after: { x: 2 } },
      { field: 'relations.runs_on', after: ['cluster/k1'] },
    ]);
  });

  it('fold a series into the net change, dropping what came back', () => {
    expect(
      foldChanges([
        [
          { field: 'facts.cpus', before: 2, after: 4 },
          { field: 'labels.x', after: '1' },
        ],
        [
          { field: 'facts.cpus', before: 4, after: 8 },
          { field: 'labels.x', before: '1' },
        ],
        [{ field: 'properties.v', before: '14', after: '15' }],
        [{ field: 'properties.v', before: '15', after: '14' }],
      ]),
    ).toEqual([{ field: 'facts.cpus', before: 2, after: 8 }]);
  });
});
