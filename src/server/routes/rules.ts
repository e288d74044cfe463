/**
 * Automation rules over HTTP: apply (YAML), list, show, delete, the decisions a rule made
 * (firings), and change freezes.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { TandemError } from '../../core/errors.ts';
import { parseRule, RULE_NAME_PATTERN } from '../../core/rules/index.ts';
import { parseDuration, runbookHash } from '../../core/runbook/index.ts';
import { DURATION_PATTERN } from '../../core/runbook/model.ts';
import {
  activeFreeze,
  addFreeze,
  applyRule,
  deleteFreeze,
  deleteRule,
  endActiveFreezes,
  findRule,
  listFirings,
  listFreezes,
  listRules,
  type Firing,
  type Freeze,
  type StoredRule,
} from '../../rules/index.ts';
import { findRunbook, uuidv7 } from '../../store/index.ts';
import { callerOf } from '../access.ts';
import { audited } from '../audited.ts';
import type { ServerContext } from '../context.ts';
import { MAX_RUNBOOK_BYTES } from './runbooks.ts';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function ruleSummary(r: StoredRule) {
  const s = r.rule.spec;
  return {
    name: r.name,
    version: r.version,
    title: r.rule.metadata.title ?? null,
    enabled: r.enabled,
    dry_run: s.dry_run,
    match: s.match,
    runbook: s.runbook,
    created_by: r.createdBy,
    created_at: iso(r.createdAt),
    updated_at: iso(r.updatedAt),
  };
}

function firingView(f: Firing) {
  return {
    id: f.id,
    rule: f.rule,
    rule_version: f.ruleVersion,
    event_id: f.eventId,
    incident_id: f.incidentId,
    group_key: f.groupKey,
    resource: f.resource,
    decision: f.decision,
    reason: f.reason,
    runbook: f.runbook,
    inputs: f.inputs,
    approval: f.approval,
    run_id: f.runId,
    details: f.details,
    created_at: iso(f.createdAt),
    run_status: f.runStatus,
    finished_at: iso(f.finishedAt),
  };
}

function freezeView(f: Freeze, now: number) {
  return {
    id: f.id,
    reason: f.reason,
    starts_at: iso(f.startsAt),
    ends_at: iso(f.endsAt),
    active: f.startsAt <= now && (f.endsAt === null || f.endsAt > now),
    created_by: f.createdBy,
    created_at: iso(f.createdAt),
  };
}

/** The document text from a YAML body, or from `{ "source": "…" }` in JSON. */
export function documentSource(body: unknown, what: string): string {
  if (typeof body === 'string') return body;
  if (typeof body === 'object' && body !== null && 'source' in body && typeof body.source === 'string')
    return body.source;
  throw new TandemError(
    'invalid_input',
    `send the ${what} as YAML (Content-Type: application/yaml) or JSON { "source": "…" }`,
    { details: [{ path: 'body', message: 'expected YAML text' }] },
  );
}

/** `2h` from now, or an RFC 3339 time. */
function timeOf(text: string, now: number, field: string): number {
  if (DURATION_PATTERN.test(text)) return now + parseDuration(text);
  const at = Date.parse(text);
  if (Number.isNaN(at))
    throw new TandemError(
      'invalid_input',
      `${field}: "${text}" is neither a duration (2h) nor a time (RFC 3339)`,
      {
        details: [{ path: `body.${field}`, message: 'a duration such as 2h, or an RFC 3339 time' }],
      },
    );
  return at;
}

export const nameParam = z.object({ name: z.string().regex(RULE_NAME_PATTERN) });

export function ruleRoutes(app: FastifyInstance, ctx: ServerContext): void {
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.post(
    '/api/v1/rules',
    {
      config: { access: 'rules:write' },
      schema: { summary: 'Apply a rule (kind: Rule, YAML body); the same text again is a no-op' },
      bodyLimit: MAX_RUNBOOK_BYTES,
    },
    async (req, reply) => {
      const source = documentSource(req.body, 'rule');
      const rule = parseRule(source);
      const hash = runbookHash(source);
      const applied = await audited(
        ctx,
        req,
        (tx) => applyRule(tx.db, { rule, source, hash, actor: callerOf(req).subject, now: ctx.clock() }),
        (res) =>
          res.changed
            ? { action: 'rule.applied', target: `rule:${res.name}`, data: { version: res.version, hash } }
            : null,
      );
      const warnings = (await findRunbook(ctx.store.db, rule.spec.runbook))
        ? []
        : [`runbook ${rule.spec.runbook} does not exist (yet): the rule records an error until it does`];
      return reply.code(applied.changed ? 201 : 200).send({ ...applied, warnings });
    },
  );

  r.post(
    '/api/v1/rules/validate',
    {
      config: { access: 'rules:read' },
      schema: { summary: 'Validate a rule without storing it' },
      bodyLimit: MAX_RUNBOOK_BYTES,
    },
    async (req) => ({ valid: true, name: parseRule(documentSource(req.body, 'rule')).metadata.name }),
  );

  r.get(
    '/api/v1/rules',
    { config: { access: 'rules:read' }, schema: { summary: 'Every rule' } },
    async () => ({ rules: (await listRules(ctx.store.db)).map(ruleSummary) }),
  );

  r.get(
    '/api/v1/rules/:name',
    { config: { access: 'rules:read' }, schema: { summary: 'A rule with its YAML', params: nameParam } },
    async (req) => {
      const rule = await findRule(ctx.store.db, req.params.name);
      if (!rule) throw new TandemError('not_found', `rule ${req.params.name} does not exist`);
      return { ...ruleSummary(rule), source: rule.source, definition: rule.rule };
    },
  );

  r.delete(
    '/api/v1/rules/:name',
    {
      config: { access: 'rules:write' },
      schema: { summary: 'Delete a rule (its firings stay)', params: nameParam },
    },
    async (req) => {
      const { name } = req.params;
      const gone = await audited(
        ctx,
        req,
        (tx) => deleteRule(tx.db, name),
        (deleted) => (deleted ? { action: 'rule.deleted', target: `rule:${name}`, data: {} } : null),
      );
      if (!gone) throw new TandemError('not_found', `rule ${name} does not exist`);
      return { name, deleted: true };
    },
  );

  r.get(
    '/api/v1/rules/:name/firings',
    {
      config: { access: 'rules:read' },
      schema: {
        summary: "A rule's decisions, newest first: started, skipped (with the reason), dry_run or error",
        params: nameParam,
        querystring: z.strictObject({
          limit: z.coerce.number().int().min(1).max(1000).default(100),
          decision: z.enum(['started', 'skipped', 'dry_run', 'error']).optional(),
          event_id: z.string().max(200).optional(),
        }),
      },
    },
    async (req) => {
      const q = req.query;
      const firings = await listFirings(ctx.store.db, {
        rule: req.params.name,
        limit: q.limit,
        ...(q.decision === undefined ? {} : { decision: q.decision }),
        ...(q.event_id === undefined ? {} : { eventId: q.event_id }),
      });
      return { firings: firings.map(firingView) };
    },
  );

  r.get(
    '/api/v1/freezes',
    {
      config: { access: 'rules:read' },
      schema: {
        summary: 'Change freezes in effect or planned (all=true: past ones too)',
        querystring: z.strictObject({ all: z.enum(['true', 'false']).default('false') }),
      },
    },
    async (req) => {
      const now = ctx.clock();
      const freezes = await listFreezes(ctx.store.db, now, req.query.all === 'true');
      const active = await activeFreeze(ctx.store.db, now);
      return { active: active !== null, freezes: freezes.map((f) => freezeView(f, now)) };
    },
  );

  r.post(
    '/api/v1/freezes',
    {
      config: { access: 'rules:write' },
      schema: {
        summary:
          'Freeze changes: rules start no runs from `starts_at` (default now) until `ends_at` or lifted',
        body: z.strictObject({
          reason: z.string().max(500).optional(),
          starts_at: z.string().max(64).optional().describe('An RFC 3339 time or a duration from now'),
          ends_at: z.string().max(64).optional().describe('An RFC 3339 time or a duration from now'),
        }),
      },
    },
    async (req, reply) => {
      const now = ctx.clock();
      const startsAt = req.body.starts_at === undefined ? now : timeOf(req.body.starts_at, now, 'starts_at');
      const endsAt = req.body.ends_at === undefined ? null : timeOf(req.body.ends_at, now, 'ends_at');
      if (endsAt !== null && endsAt <= startsAt)
        throw new TandemError('invalid_input', 'ends_at must be after starts_at', {
          details: [{ path: 'body.ends_at', message: 'must be after starts_at' }],
        });
      const freeze: Freeze = {
        id: uuidv7(),
        reason: req.body.reason ?? null,
        startsAt,
        endsAt,
        createdBy: callerOf(req).subject,
        createdAt: now,
      };
      await audited(
        ctx,
        req,
        (tx) => addFreeze(tx.db, freeze),
        (f) => ({
          action: 'freeze.created',
          target: `freeze:${f.id}`,
          data: { reason: f.reason, starts_at: iso(f.startsAt), ends_at: iso(f.endsAt) },
        }),
      );
      return reply.code(201).send(freezeView(freeze, now));
    },
  );

  r.post(
    '/api/v1/freezes/lift',
    {
      config: { access: 'rules:write' },
      schema: { summary: 'End every change freeze in effect now (planned ones stay)' },
    },
    async (req) => {
      const now = ctx.clock();
      const ended = await audited(
        ctx,
        req,
        (tx) => endActiveFreezes(tx.db, now),
        (ids) => (ids.length === 0 ? null : { action: 'freeze.lifted', target: 'freeze:*', data: { ids } }),
      );
      return { lifted: ended };
    },
  );

  r.delete(
    '/api/v1/freezes/:id',
    {
      config: { access: 'rules:write' },
      schema: { summary: 'Delete a change freeze', params: z.object({ id: z.string().max(64) }) },
    },
    async (req) => {
      const { id } = req.params;
      const gone = await audited(
        ctx,
        req,
        (tx) => deleteFreeze(tx.db, id),
        (deleted) => (deleted ? { action: 'freeze.deleted', target: `freeze:${id}`, data: {} } : null),
      );
      if (!gone) throw new TandemError('not_found', `freeze ${id} does not exist`);
      return { id, deleted: true };
    },
  );
}
