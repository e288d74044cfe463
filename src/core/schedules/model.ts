/**
 * Runbook schedules (`kind: Schedule`): start a runbook on a cron, in a time zone.
 *
 * Glossary
 * - fire time: an instant the cron names (in the schedule's time zone). Each is claimed once,
 *   across every replica, by a row keyed (schedule, fire time).
 * - missed fire: a fire time that passed while no server ran (or the schedule could not be
 *   handled) and is found more than the grace period late. `missed: skip` runs none of them and
 *   waits for the next fire time; `missed: catch_up_once` runs once, for the latest missed time,
 *   however many were missed.
 * - grace: how late a fire time may be found and still run as on time (60 s).
 */
import { z } from 'zod';
import { metadataSpec } from '../rules/model.ts';

export const missedPolicies = ['skip', 'catch_up_once'] as const;
export type MissedPolicy = (typeof missedPolicies)[number];

/** How late a fire may be found and still run as on time: a minute covers a restart. */
export const FIRE_GRACE_MS = 60_000;

/** The variables a schedule's input templates may read. */
export const SCHEDULE_VARIABLES = ['schedule'] as const;

export const scheduleSpecSchema = z.strictObject({
  enabled: z.boolean().default(true),
  cron: z.string().min(1).describe('Five fields (minute hour day month weekday), or six with seconds first'),
  timezone: z.string().min(1).default('UTC').describe('An IANA time zone such as Asia/Shanghai'),
  runbook: z.string().min(1),
  inputs: z
    .record(z.string(), z.unknown())
    .default({})
    .describe('Run inputs; strings may hold ${{ schedule.fire_time }} and ${{ schedule.name }}'),
  missed: z
    .enum(missedPolicies)
    .default('skip')
    .describe('What to do with fire times missed during downtime'),
});
export type ScheduleSpec = z.infer<typeof scheduleSpecSchema>;

export const scheduleDocumentSchema = z.strictObject({
  apiVersion: z.literal('tandem/v1'),
  kind: z.literal('Schedule'),
  metadata: metadataSpec,
  spec: scheduleSpecSchema,
});
export type Schedule = z.infer<typeof scheduleDocumentSchema>;
