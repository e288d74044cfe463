/**
 * Reconciling a source: what applying its full list of resources does to the estate. The source
 * owns what it lists; what it listed before and no longer does is removed; resources of other
 * sources are never changed — except that a declared resource takes over a host an agent
 * reported (keeping the agent's facts), since declaring what agents discover is the usual way.
 */
import { diffStates, type FieldChange } from './diff.ts';
import { resourceKey, type Resource, type ResourceSpec } from './model.ts';

export type PlanAction = 'create' | 'update' | 'delete' | 'unchanged' | 'conflict';

/** What applying does to one resource. */
export interface PlanItem {
  kind: string;
  name: string;
  action: PlanAction;
  /** Field by field, for create, update and delete. */
  changes: FieldChange[];
  /** The stored resource this item changes (update, delete, unchanged, conflict). */
  current?: Resource;
  /** The spec to write (create, update). */
  spec?: ResourceSpec;
  /** Why nothing was done (conflict). */
  reason?: string;
}

/** Sources that only report what they observe; a declaring source may take their resources over. */
export const isObservingSource = (source: string): boolean => source.startsWith('agent:');

/**
 * The plan for applying `desired` as the whole of `source`. `existing` must hold every stored
 * resource of `source` and every stored resource with the key of a desired one.
 */
export function planApply(
  source: string,
  desired: readonly ResourceSpec[],
  existing: readonly Resource[],
): PlanItem[] {
  const stored = new Map(existing.map((r) => [resourceKey(r), r]));
  const wanted = new Set<string>();
  const plan: PlanItem[] = [];
  for (const spec of desired) {
    const key = resourceKey(spec);
    wanted.add(key);
    const current = stored.get(key);
    const base = { kind: spec.kind, name: spec.name };
    if (!current) {
      plan.push({
        ...base,
        action: 'create',
        spec,
        changes: diffStates(undefined, { ...spec, source, facts: null }),
      });
      continue;
    }
    if (current.source !== source && !isObservingSource(current.source)) {
      plan.push({
        ...base,
        action: 'conflict',
        current,
        changes: [],
        reason: `${key} belongs to source ${current.source}; remove it there first`,
      });
      continue;
    }
    const changes = diffStates(current, { ...spec, source, facts: current.facts });
    plan.push({ ...base, action: changes.length === 0 ? 'unchanged' : 'update', current, spec, changes });
  }
  for (const current of existing) {
    if (current.source !== source || wanted.has(resourceKey(current))) continue;
    plan.push({
      kind: current.kind,
      name: current.name,
      action: 'delete',
      current,
      changes: diffStates(current, undefined),
    });
  }
  return plan;
}

/** How many items of each action, for summaries. */
export function planCounts(plan: readonly PlanItem[]): Record<PlanAction, number> {
  const counts: Record<PlanAction, number> = { create: 0, update: 0, delete: 0, unchanged: 0, conflict: 0 };
  for (const item of plan) counts[item.action]++;
  return counts;
}
