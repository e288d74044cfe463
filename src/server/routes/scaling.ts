/** Scaling policies over HTTP: apply (YAML), list with their state, show, delete, decisions. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { TandemError } from '../../core/errors.ts';
import { runbookHash } from '../../core/runbook/index.ts';
import { parseScalingPolicy, type ScalingPolicy } from '../../core/scaling/index.ts';
import {
  applyPolicy,
  deletePolicy,
  findPolicy,
  listDecisions,
  listPolicies,
  type Decision,
  type StoredPolicy,
} from '../../scaling/index.ts';
import { findRunbook, type Store } from '../../store/index.ts';
import { callerOf } from '../access.ts';
import { audited } from '../audited.ts';
import type { ServerContext } from '../context.ts';
import { documentSource, nameParam } from './rules.ts';
import { MAX_RUNBOOK_BYTES } from './runbooks.ts';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function policyView(p: StoredPolicy) {
  const { spec } = p.policy;
  const s = p.state;
  return {
    name: p.name,
    version: p.version,
    title: p.policy.metadata.title ?? null,
    enabled: spec.enabled,
    prometheus: spec.prometheus,
    query: spec.query,
    scale_out_above: spec.scale_out_above,
    scale_in_below: spec.scale_in_below,
    for: spec.for,
    cooldown: spec.cooldown,
    interval: spec.interval,
    min: spec.min,
    max: spec.max,
    burst_site: spec.burst_site,
    scale_out_runbook: spec.scale_out.runbook,
    scale_in_runbook: spec.scale_in.runbook,
    state: {
      instances: s.instances,
      condition: s.condition,
      condition_since: iso(s.conditionSince),
      last_value: s.lastValue,
      last_error: s.lastError,
      last_evaluated_at: iso(s.lastEvaluatedAt),
      last_action_at: iso(s.lastActionAt),
      pending: s.pending && {
        action: s.pending.action,
        run_id: s.pending.runId,
        since: iso(s.pending.since),
      },
      next_evaluation_at: iso(s.nextEvaluationAt),
    },
    created_by: p.createdBy,
    created_at: iso(p.createdAt),
    updated_at: iso(p.updatedAt),
  };
}

function decisionView(d: Decision) {
  return {
    id: d.id,
    at: iso(d.createdAt),
    decision: d.decision,
    reason: d.reason,
    value: d.value,
    instances: d.instances,
    run_id: d.runId,
    policy_version: d.policyVersion,
    details: d.details,
  };
}

/** What may not work yet: runbooks that do not exist, a burst site Tandem does not know. */
async function warningsOf(store: Store, policy: ScalingPolicy): Promise<string[]> {
  const warnings: string[] = [];
  for (const runbook of new Set([policy.spec.scale_out.runbook, policy.spec.scale_in.runbook]))
    if (!(await findRunbook(store.db, runbook)))
      warnings.push(`runbook ${runbook} does not exist (yet): its actions record an error until it does`);
  const site = await store.db
    .selectFrom('sites')
    .select('name')
    .where('name', '=', policy.spec.burst_site)
    .executeTakeFirst();
  if (!site) warnings.push(`site ${policy.spec.burst_site} does not exist (yet)`);
  return warnings;
}

export function scalingRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/api/v1/scaling',
    {
      config: { access: 'rules:write' },
      schema: {
        summary: 'Apply a scaling policy (kind: ScalingPolicy, YAML body); the same text again is a no-op',
      },
      bodyLimit: MAX_RUNBOOK_BYTES,
    },
    async (req, reply) => {
      const source = documentSource(req.body, 'scaling policy');
      const policy = parseScalingPolicy(source);
      const hash = runbookHash(source);
      const applied = await audited(
        ctx,
        req,
        (tx) => applyPolicy(tx.db, { policy, source, hash, actor: callerOf(req).subject, now: ctx.clock() }),
        (res) =>
          res.changed
            ? {
                action: 'scaling.applied',
                target: `scaling:${res.name}`,
                data: { version: res.version, hash },
              }
            : null,
      );
      return reply
        .code(applied.changed ? 201 : 200)
        .send({ ...applied, warnings: await warningsOf(ctx.store, policy) });
    },
  );

  r.get(
    '/api/v1/scaling',
    {
      config: { access: 'rules:read' },
      schema: {
        summary: 'Every scaling policy with its state: extra instances, last measure, action running',
      },
    },
    async () => ({ policies: (await listPolicies(ctx.store.db)).map(policyView) }),
  );

  r.get(
    '/api/v1/scaling/:name',
    {
      config: { access: 'rules:read' },
      schema: { summary: 'A scaling policy with its YAML, state and latest decisions', params: nameParam },
    },
    async (req) => {
      const p = await findPolicy(ctx.store.db, req.params.name);
      if (!p) throw new TandemError('not_found', `scaling policy ${req.params.name} does not exist`);
      const decisions = await listDecisions(ctx.store.db, p.name, 10);
      return {
        ...policyView(p),
        scale_out_inputs: p.policy.spec.scale_out.inputs,
        scale_in_inputs: p.policy.spec.scale_in.inputs,
        source: p.source,
        decisions: decisions.map(decisionView),
      };
    },
  );

  r.get(
    '/api/v1/scaling/:name/decisions',
    {
      config: { access: 'rules:read' },
      schema: {
        summary: "A scaling policy's decisions, newest first (a verdict is recorded when it changes)",
        params: nameParam,
        querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(1000).default(100) }),
      },
    },
    async (req) => ({
      decisions: (await listDecisions(ctx.store.db, req.params.name, req.query.limit)).map(decisionView),
    }),
  );

  r.delete(
    '/api/v1/scaling/:name',
    {
      config: { access: 'rules:write' },
      schema: {
        summary: 'Delete a scaling policy (the instances it added stay; its decisions stay)',
        params: nameParam,
      },
    },
    async (req) => {
      const { name } = req.params;
      const gone = await audited(
        ctx,
        req,
        (tx) => deletePolicy(tx.db, name),
        (deleted) => (deleted ? { action: 'scaling.deleted', target: `scaling:${name}`, data: {} } : null),
      );
      if (!gone) throw new TandemError('not_found', `scaling policy ${name} does not exist`);
      return { name, deleted: true };
    },
  );
}
