/**
 * Service level objectives, the shell: SLOs in the store, hourly roll-ups of probe results, the
 * Prometheus client, and evaluation (status now, reports per month and site). Other folders
 * import from here only.
 */
export { applySlo, listSlos, findSlo, deleteSlo, sloHash, type StoredSlo, type AppliedSlo } from './store.ts';
export {
  rollupProbeHours,
  runProbeRollup,
  probeSlices,
  probesOfService,
  floorHour,
  RAW_SPAN_MS,
  type ProbeSliceQuery,
} from './probe-hours.ts';
export { queryRange, queryForSite, splitsBySite, type Sample } from './prometheus.ts';
export {
  sloStatus,
  sloMonthReport,
  indicatorSlices,
  type SloDeps,
  type SloStatus,
  type IndicatorStatus,
  type SloMonthReport,
  type MonthIndicator,
} from './evaluate.ts';
