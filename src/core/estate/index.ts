/**
 * The estate's pure core: the resource model and estate files, selectors, diffs and history
 * folding, the plan of applying a source, and the readers of Ansible inventories and Prometheus
 * targets.
 */
export * from './model.ts';
export { parseEstate, parseEstateValue, type EstateFile } from './parse.ts';
export {
  parseSelector,
  formatSelector,
  selectorError,
  selectorFields,
  quoteSelectorValue,
  MAX_SELECTOR_DEPTH,
  type Selector,
  type SelectorTerm,
  type MatchTerm,
  type RelationTerm,
  type RelationRefTerm,
  type SelectorField,
} from './selector.ts';
export { ResourceSet, matches, type Selectable } from './selector-match.ts';
export { renderSelectorTemplate, selectorShape } from './selector-template.ts';
export { diffStates, foldChanges, type FieldChange, type ResourceState } from './diff.ts';
export { planApply, planCounts, isObservingSource, type PlanItem, type PlanAction } from './reconcile.ts';
export {
  inventoryResources,
  guessInventoryFormat,
  expandHostPattern,
  type InventoryFormat,
  type InventoryImport,
} from './ansible-inventory.ts';
export { targetResources, instanceHost, type TargetsImport } from './prometheus-targets.ts';
export { resourceAddress, parseAddress, type TargetAddress } from './targets.ts';
export { agentHostName, agentSource } from './agent-host.ts';
