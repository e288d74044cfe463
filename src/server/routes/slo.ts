/**
 * SLOs over HTTP: apply (`kind: SLO` YAML, audited), list with their state now, show, delete
 * (audited), and availability reports per calendar month and site.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { TandemError } from '../../core/errors.ts';
import { MONTH_PATTERN, monthOf, parseSlo, SLO_NAME, type Figures, type Slo } from '../../core/slo/index.ts';
import {
  applySlo,
  deleteSlo,
  findSlo,
  listSlos,
  sloHash,
  sloMonthReport,
  sloStatus,
  type IndicatorStatus,
  type SloDeps,
  type SloMonthReport,
  type StoredSlo,
} from '../../slo/index.ts';
import { callerOf } from '../access.ts';
import { audited } from '../audited.ts';
import type { ServerContext } from '../context.ts';
import { documentSource } from './rules.ts';
import { MAX_RUNBOOK_BYTES } from './runbooks.ts';

const iso = (ms: number) => new Date(ms).toISOString();
/** A fraction as a percentage, to 6 significant digits (99.9512 %). */
const pct = (f: number | null) => (f === null ? null : Number((f * 100).toPrecision(6)));
const nameParam = z.object({ name: z.string().regex(SLO_NAME) });
const reportQuery = z.strictObject({
  month: z.string().regex(MONTH_PATTERN, 'a month as YYYY-MM, e.g. 2026-11').optional(),
  site: z
    .string()
    .regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'a site name')
    .optional(),
});

function figuresView(f: Figures) {
  return {
    from: iso(f.from),
    to: iso(f.to),
    good: f.good,
    total: f.total,
    sli_percent: pct(f.sli),
    objective_percent: pct(f.objective),
    error_budget_remaining_percent: pct(f.budgetRemaining),
    met: f.met,
  };
}

function indicatorView(i: IndicatorStatus) {
  if (i.error !== null)
    return { kind: i.kind, objective_percent: pct(i.objective), state: 'error', error: i.error };
  return {
    kind: i.kind,
    objective_percent: pct(i.objective),
    state: i.state,
    error: null,
    window: figuresView(i.window),
    burn_rate_1h: i.burn1h,
    burn_rate_6h: i.burn6h,
  };
}

function sloSummary(s: StoredSlo) {
  const slo: Slo = s.slo;
  return {
    name: slo.name,
    title: slo.title,
    service: slo.service,
    objective_percent: pct(slo.objective),
    window: slo.window,
    indicators: slo.indicators.map((i) => i.kind),
    version: s.version,
    created_by: s.createdBy,
    updated_at: iso(s.updatedAt),
  };
}

function monthView(r: SloMonthReport) {
  return {
    name: r.name,
    service: r.service,
    month: r.month,
    from: iso(r.from),
    to: iso(r.to),
    site: r.site,
    indicators: r.indicators.map((i) => ({
      kind: i.kind,
      objective_percent: pct(i.objective),
      error: i.error,
      overall: i.overall && figuresView(i.overall),
      sites: i.sites && i.sites.map((s) => ({ site: s.site, ...figuresView(s.figures) })),
    })),
  };
}

export function sloRoutes(
  app: FastifyInstance,
  ctx: ServerContext,
  o: { prometheusUrl: string | null },
): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const deps: SloDeps = { store: ctx.store, clock: ctx.clock, prometheusUrl: o.prometheusUrl };
  const requireSlo = async (name: string) => {
    const s = await findSlo(ctx.store.db, name);
    if (!s) throw new TandemError('not_found', `SLO ${name} does not exist`);
    return s;
  };

  r.post(
    '/api/v1/slos',
    {
      config: { access: 'slos:write' },
      schema: { summary: 'Apply an SLO (kind: SLO, YAML body); the same text again is a no-op' },
      bodyLimit: MAX_RUNBOOK_BYTES,
    },
    async (req, reply) => {
      const source = documentSource(req.body, 'SLO');
      const slo = parseSlo(source);
      const applied = await audited(
        ctx,
        req,
        (tx) => applySlo(tx.db, { slo, source, actor: callerOf(req).subject, now: ctx.clock() }),
        (res) =>
          res.changed
            ? {
                action: 'slo.applied',
                target: `slo:${res.name}`,
                data: { version: res.version, hash: sloHash(source) },
              }
            : null,
      );
      const warnings =
        slo.indicators.some((i) => i.kind === 'latency' && i.prometheus === null) && o.prometheusUrl === null
          ? ['no Prometheus is configured (TANDEM_PROMETHEUS_URL) and the latency indicator names none']
          : [];
      return reply.code(applied.changed ? 201 : 200).send({ ...applied, warnings });
    },
  );

  r.get(
    '/api/v1/slos',
    {
      config: { access: 'slos:read' },
      schema: {
        summary:
          'Every SLO with its state now: the SLI over its window, error budget left, burn rates over 1h and 6h',
        querystring: z.strictObject({ evaluate: z.enum(['true', 'false']).default('true') }),
      },
    },
    async (req) => {
      const slos = await listSlos(ctx.store.db);
      const out = [];
      for (const s of slos) {
        const status = req.query.evaluate === 'true' ? await sloStatus(deps, s.slo) : null;
        out.push({ ...sloSummary(s), indicators: status ? status.indicators.map(indicatorView) : null });
      }
      return { slos: out };
    },
  );

  r.get(
    '/api/v1/slos/:name',
    {
      config: { access: 'slos:read' },
      schema: { summary: 'An SLO with its YAML and its state now', params: nameParam },
    },
    async (req) => {
      const s = await requireSlo(req.params.name);
      const status = await sloStatus(deps, s.slo);
      return {
        ...sloSummary(s),
        description: s.slo.description,
        labels: s.slo.labels,
        source: s.source,
        evaluated_at: iso(status.now),
        indicators: status.indicators.map(indicatorView),
      };
    },
  );

  r.delete(
    '/api/v1/slos/:name',
    { config: { access: 'slos:write' }, schema: { summary: 'Delete an SLO', params: nameParam } },
    async (req) => {
      const { name } = req.params;
      const gone = await audited(
        ctx,
        req,
        (tx) => deleteSlo(tx.db, name),
        (deleted) => (deleted ? { action: 'slo.deleted', target: `slo:${name}`, data: {} } : null),
      );
      if (!gone) throw new TandemError('not_found', `SLO ${name} does not exist`);
      return { name, deleted: true };
    },
  );

  r.get(
    '/api/v1/slos/:name/report',
    {
      config: { access: 'slos:read' },
      schema: {
        summary:
          "An SLO's availability over a calendar month (UTC; this month by default), overall and per site",
        params: nameParam,
        querystring: reportQuery,
      },
    },
    async (req) => {
      const s = await requireSlo(req.params.name);
      const month = req.query.month ?? monthOf(ctx.clock());
      return monthView(await sloMonthReport(deps, s.slo, month, req.query.site ?? null));
    },
  );

  r.get(
    '/api/v1/reports/slo',
    {
      config: { access: 'slos:read' },
      schema: {
        summary: 'Every SLO over a calendar month (UTC; this month by default), overall and per site',
        querystring: reportQuery,
      },
    },
    async (req) => {
      const month = req.query.month ?? monthOf(ctx.clock());
      const reports = [];
      for (const s of await listSlos(ctx.store.db))
        reports.push(monthView(await sloMonthReport(deps, s.slo, month, req.query.site ?? null)));
      return { month, site: req.query.site ?? null, slos: reports };
    },
  );
}
