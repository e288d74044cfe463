/** Runbook schedules: the `kind: Schedule` model, its validation and fire-time arithmetic. Pure. */
export * from './model.ts';
export { parseSchedule } from './parse.ts';
export { cronOf, isTimeZone, nextFires, nextFire, dueFires, type CronSpec, type DueFires } from './fires.ts';
