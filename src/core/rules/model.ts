/**
 * Automation rules (`kind: Rule`): when an event matches, start a runbook with inputs computed
 * from the event, within guard-rails.
 *
 * Glossary
 * - match: a CEL condition over `event`, `incident` (null when the event opened none) and
 *   `resource` (the estate resource the event is about, null when none).
 * - firing: one decision of one rule on one event: started, skipped (with the reason), dry_run
 *   (what would have started) or error (the inputs could not be computed or were refused).
 * - alert group: the incident the event was grouped into, else the alert's firing episode (its
 *   fingerprint and start time). A rule starts at most one run per alert group.
 * - cooldown: after a rule started a run for a resource, it starts none for that resource until
 *   the cooldown has passed.
 * - change freeze: a window (or an open-ended switch) during which rules start no runs.
 * - approval gate: when `require_approval_when` holds, the rule starts a gate run — an approval
 *   step, then the runbook as a child run — instead of the runbook itself.
 */
import { z } from 'zod';
import { assigneesSpec } from '../runbook/model-tasks.ts';
import { duration, template } from '../runbook/model-base.ts';

/** Rule and schedule names: as runbook names, shorter, so a gate runbook's name still fits. */
export const RULE_NAME_PATTERN = /^[a-z0-9]([a-z0-9._-]{0,98}[a-z0-9])?$/;
export const ruleName = z
  .string()
  .regex(RULE_NAME_PATTERN, 'lower-case letters, digits, ".", "_" and "-", at most 100 characters');

/**
 * Approval needed when the resource is labelled env=prod — or, when the event names no resource
 * of the estate, when the event itself carries env=prod.
 */
export const DEFAULT_REQUIRE_APPROVAL_WHEN =
  '(resource != null ? resource.labels : event.labels).?env.orValue("") == "prod"';

export const metadataSpec = z.strictObject({
  name: ruleName,
  title: z.string().max(200).optional(),
  description: z.string().max(10_000).optional(),
  labels: z.record(z.string(), z.string()).optional(),
});

export const approvalGateSpec = z
  .strictObject({
    approvers: assigneesSpec
      .optional()
      .describe('Who may approve; without it, anyone who may decide on tasks'),
    quorum: z.number().int().min(1).default(1),
    timeout: duration.default('1h').describe('Rejected when nobody decided by then'),
    message: template.optional().describe('Shown on the approval task; CEL over event, incident, resource'),
  })
  .describe('The approval step a gated run starts with');
export type ApprovalGateSpec = z.infer<typeof approvalGateSpec>;

export const ruleSpecSchema = z.strictObject({
  enabled: z.boolean().default(true),
  match: z.string().min(1).describe('A CEL condition over event, incident and resource'),
  runbook: z.string().min(1).describe('The runbook to start'),
  inputs: z
    .record(z.string(), z.unknown())
    .default({})
    .describe('Run inputs; strings may hold ${{ CEL }} over event, incident and resource'),
  cooldown: duration.optional().describe('Per resource: no new run until this long after the last one'),
  rate_limit: z
    .strictObject({ count: z.number().int().min(1), per: duration })
    .optional()
    .describe('At most `count` runs started by this rule in any `per` window'),
  max_concurrent: z.number().int().min(1).optional().describe('At most this many runs of this rule at once'),
  skip_during_maintenance: z.boolean().default(true),
  skip_during_freeze: z.boolean().default(true),
  require_approval_when: z
    .string()
    .min(1)
    .default(DEFAULT_REQUIRE_APPROVAL_WHEN)
    .describe('A CEL condition; when true the run starts with an approval step'),
  approval: approvalGateSpec.default({ quorum: 1, timeout: '1h' }),
  dry_run: z.boolean().default(false).describe('Record what would have run, without running it'),
});
export type RuleSpec = z.infer<typeof ruleSpecSchema>;

export const ruleDocumentSchema = z.strictObject({
  apiVersion: z.literal('tandem/v1'),
  kind: z.literal('Rule'),
  metadata: metadataSpec,
  spec: ruleSpecSchema,
});
export type Rule = z.infer<typeof ruleDocumentSchema>;

/** What a rule decided about one event. */
export type FiringDecision = 'started' | 'skipped' | 'dry_run' | 'error';

/** Why a matching rule started nothing. */
export type SkipReason =
  'maintenance' | 'change_freeze' | 'already_handled' | 'cooldown' | 'rate_limit' | 'max_concurrent';

/** The variables the rule's expressions may read. */
export const RULE_VARIABLES = ['event', 'incident', 'resource'] as const;
