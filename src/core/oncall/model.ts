/**
 * On-call as people write it: schedules (layers of rotations, with restrictions), overrides,
 * escalation policies and routing rules, as zod schemas. The API takes these as JSON; the CLI
 * reads the same from YAML.
 *
 * Glossary
 * - schedule: who is on call when, in layers; a later layer wins over an earlier one wherever
 *   it has someone (a weekend layer above a weekly rotation, say).
 * - layer (rotation): users in order, each on call for one rotation length in turn, handing off
 *   at a wall-clock time in a time zone; optionally only within restrictions (09:00–17:00 on
 *   weekdays). Outside them the layers below answer.
 * - override: one user covers a time range of a schedule, over every layer.
 * - escalation policy: levels, each with targets (schedules, teams, users) and a timeout; an
 *   incident nobody acknowledges within a level's timeout goes to the next level; after the last,
 *   the whole policy repeats `repeat` times.
 * - routing rule: which team and escalation policy an incident gets; the first rule (by position)
 *   that matches wins.
 */
import { z } from 'zod';
import { DURATION_PATTERN } from '../runbook/index.ts';
import { isTimeZone, parseClock, parseLocalDate } from './time-zone.ts';

export const ONCALL_NAME = /^[a-z0-9]([a-z0-9._-]{0,62}[a-z0-9])?$/;
const name = z
  .string()
  .regex(ONCALL_NAME, 'lower-case letters, digits, ".", "_" and "-", at most 64 characters');
export const usernameSchema = z.string().regex(/^[a-z0-9][a-z0-9._@-]{0,63}$/, 'a username');
export const timeZoneSchema = z
  .string()
  .refine(isTimeZone, 'an IANA time zone such as Europe/Berlin, Asia/Shanghai or UTC');
const clock = z.string().refine((s) => parseClock(s) !== undefined, 'a time of day HH:MM, 00:00 to 23:59');
const localDate = z.string().refine((s) => parseLocalDate(s) !== undefined, 'a date YYYY-MM-DD');
const durationText = z.string().regex(DURATION_PATTERN, 'a duration such as 30s, 15m or 1h');

export const ROTATION_PATTERN = /^([1-9]\d{0,2})(h|d|w)$/;
export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export const restrictionSpec = z
  .strictObject({
    days: z
      .array(z.enum(WEEKDAYS))
      .min(1)
      .max(7)
      .optional()
      .describe('Days a window starts on; all when left out'),
    start: clock,
    end: clock.describe('Before start: the window runs past midnight; equal to start: 24 hours'),
  })
  .describe('A window of local time within which the layer is on call');
export type Restriction = z.infer<typeof restrictionSpec>;

export const layerSpec = z.strictObject({
  name,
  users: z.array(usernameSchema).min(1).max(100).describe('In rotation order'),
  rotation: z
    .string()
    .regex(ROTATION_PATTERN, 'a rotation length: 12h, 1d, 2d or 1w')
    .describe('How long each user is on call: hours, days or weeks'),
  start: localDate.describe('The local date the first user’s first shift starts'),
  handoff: clock.default('09:00').describe('The local time shifts change'),
  time_zone: timeZoneSchema.optional().describe('The schedule’s time zone when left out'),
  restrictions: z.array(restrictionSpec).max(21).optional(),
});
export type Layer = z.infer<typeof layerSpec>;

export const scheduleSpec = z
  .strictObject({
    name,
    description: z.string().max(1000).optional(),
    time_zone: timeZoneSchema,
    layers: z.array(layerSpec).min(1).max(20).describe('Later layers win over earlier ones'),
  })
  .superRefine((s, ctx) => {
    const seen = new Set<string>();
    s.layers.forEach((l, i) => {
      if (seen.has(l.name))
        ctx.addIssue({ code: 'custom', path: ['layers', i, 'name'], message: `two layers named ${l.name}` });
      seen.add(l.name);
    });
  });
export type Schedule = z.infer<typeof scheduleSpec>;

/** One user covering a time range of a schedule. Times are epoch milliseconds. */
export interface Override {
  id: string;
  user: string;
  start: number;
  end: number;
  /** Overlapping overrides: the one created last wins. */
  createdAt: number;
}

export const targetSpec = z.union([
  z.strictObject({ schedule: name }),
  z.strictObject({ team: name }),
  z.strictObject({ user: usernameSchema }),
]);
export type EscalationTarget = z.infer<typeof targetSpec>;

export const levelSpec = z.strictObject({
  targets: z.array(targetSpec).min(1).max(20),
  timeout: durationText.describe('Escalate to the next level when nobody acknowledged within it'),
});

export const escalationPolicySpec = z.strictObject({
  name,
  description: z.string().max(1000).optional(),
  levels: z.array(levelSpec).min(1).max(10),
  repeat: z.number().int().min(0).max(10).default(0).describe('Times the levels run again after the last'),
});
export type EscalationPolicy = z.infer<typeof escalationPolicySpec>;

export const routingRuleSpec = z
  .strictObject({
    name,
    position: z
      .number()
      .int()
      .min(0)
      .max(1_000_000)
      .optional()
      .describe('Lower first; appended when left out'),
    /** A CEL expression over `incident`, `event` and `labels`. */
    when: z.string().min(1).max(4096).optional(),
    /** Label equality: every label must have the value given. */
    labels: z.record(z.string().min(1).max(200), z.string().max(1000)).optional(),
    team: name.optional(),
    escalation_policy: name.optional(),
  })
  .superRefine((r, ctx) => {
    if (r.team === undefined && r.escalation_policy === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['team'],
        message: 'a rule sets a team, an escalation policy or both',
      });
  });
export type RoutingRuleSpec = z.infer<typeof routingRuleSpec>;
