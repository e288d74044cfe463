/** Runbook schedules, the shell: their store and the worker that starts their runs. */
export {
  applySchedule,
  findSchedule,
  listSchedules,
  deleteSchedule,
  listFires,
  type StoredSchedule,
  type AppliedSchedule,
  type Fire,
} from './schedule-store.ts';
export {
  runScheduleWorker,
  fireDueSchedules,
  fireSchedule,
  scheduleInputs,
  scheduleActor,
  type ScheduleWorkerDeps,
  type FireResult,
} from './worker.ts';
