/**
 * Interval probes, pure: the `kind: Probe` model, which agent of which site runs a probe, and the
 * reachability matrix that tells a service down from a site cut off.
 */
export * from './model.ts';
export { parseProbe, parseProbeValue } from './parse.ts';
export { probeSites, ownerOf, assignedProbes } from './assign.ts';
export {
  buildMatrix,
  matrixTransitions,
  staleAfterMs,
  siteSubject,
  serviceSubject,
  type Cell,
  type CellState,
  type Matrix,
  type MatrixCell,
  type MatrixInput,
  type ServiceRow,
  type ServiceStatus,
  type SiteColumn,
  type SiteStatus,
  type Transition,
} from './matrix.ts';
