/**
 * The steps that wait for people: `approval` (approve or reject, with a quorum) and `task` (manual
 * work whose form answers become the step's outputs). Both name who may act, may have a deadline,
 * and may escalate to another group once it passes.
 *
 * Glossary
 * - assignees: who may act on a task — a role, a team, named users (anyone matching any of them).
 * - quorum: how many distinct people must approve.
 * - four-eyes: the person who started the run may not approve it.
 * - escalation: at the deadline, the task moves to another group with a new deadline.
 */
import { z } from 'zod';
import { roles } from '../access/roles.ts';
import { duration, template } from './model-base.ts';

export const assigneesSpec = z
  .strictObject({
    // A plain string in the schema so the check of the runbook can say what to write instead
    // (`team:`) rather than only list the roles.
    role: z
      .string()
      .meta({ enum: [...roles] })
      .describe(`A role: ${roles.join(', ')} (anyone holding it on the run's sites and labels)`)
      .optional(),
    team: z.string().min(1).describe('A team; its members may act').optional(),
    users: z.array(z.string().min(1)).min(1).describe('Usernames').optional(),
  })
  .describe('Who may act: anyone matching one of role, team or users');
export type AssigneesSpec = z.infer<typeof assigneesSpec>;

/** Where a task goes when its deadline passes, and for how long. */
function escalateSpec<T extends readonly [string, ...string[]]>(outcomes: T, fallback: T[number]) {
  return z.strictObject({
    to: assigneesSpec,
    timeout: duration.describe('The new deadline, from the moment of escalation'),
    on_timeout: z
      .enum(outcomes)
      .default(fallback as never)
      .describe('What happens when the new deadline passes too'),
  });
}

export const approvalSpec = z.strictObject({
  approvers: assigneesSpec.optional().describe('Who may approve; without it, anyone who may decide on tasks'),
  quorum: z.number().int().min(1).default(1).describe('How many distinct people must approve'),
  four_eyes: z.boolean().default(false).describe('The person who started the run cannot approve it'),
  distinct_from: z
    .array(z.string())
    .min(1)
    .optional()
    .describe('Earlier approval steps whose approvers cannot approve this one'),
  reject_comment: z
    .enum(['required', 'optional'])
    .default('required')
    .describe('Whether a rejection must say why'),
  timeout: duration.optional(),
  on_timeout: z.enum(['reject', 'approve', 'fail', 'escalate']).default('reject'),
  escalate: escalateSpec(['reject', 'approve', 'fail'], 'reject').optional(),
  message: template.optional(),
});
export type ApprovalSpec = z.infer<typeof approvalSpec>;

export const taskSpec = z.strictObject({
  title: template.describe('What to do, in one line'),
  description: template.optional().describe('How to do it (markdown)'),
  assignees: assigneesSpec,
  form: z
    .record(z.string(), z.unknown())
    .describe('A JSON Schema (draft 2020-12) of an object: its answers become the step outputs'),
  timeout: duration.optional(),
  on_timeout: z.enum(['fail', 'escalate']).default('fail'),
  escalate: escalateSpec(['fail'], 'fail').optional(),
});
export type TaskSpec = z.infer<typeof taskSpec>;

/** The shape both kinds share, for deadlines and escalation. */
export type EscalateSpec = NonNullable<ApprovalSpec['escalate'] | TaskSpec['escalate']>;
