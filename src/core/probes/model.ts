/**
 * Interval probes as people write them: a `kind: Probe` document says what to check (HTTP, TCP
 * or DNS), from which sites (a selector over sites), how often, and which service it tells about.
 *
 * Glossary
 * - probe: one check run on an interval by an agent of each site it selects.
 * - service: what a probe tells about; several probes may check one service (its HTTP front and
 *   its TCP port, say). The reachability matrix has one row per service.
 * - cell: the latest result of a probe at a site, with the failures in a row up to it.
 */
import { z } from 'zod';
import type { Action } from '../engine/index.ts';
import { SITE_PATTERN } from '../estate/index.ts';
import { DNS_RECORD_TYPES, DURATION_PATTERN, parseDuration } from '../runbook/index.ts';

export type ProbeCheck = Extract<Action, { kind: 'probe' }>['check'];

export const PROBE_NAME = /^[a-z0-9]([a-z0-9._-]{0,126}[a-z0-9])?$/;
const probeName = z
  .string()
  .regex(PROBE_NAME, 'lower-case letters, digits, ".", "_" and "-", at most 128 characters');
const duration = z.string().regex(DURATION_PATTERN, 'a duration such as 500ms, 30s, 5m or 1h');

/** Bounds: a probe every second at most (one a day at least), answering within a minute. */
export const MIN_INTERVAL_MS = 1_000;
export const MAX_INTERVAL_MS = 86_400_000;
export const MAX_TIMEOUT_MS = 60_000;

const port = z.number().int().min(1).max(65535);

export const probeSpecSchema = z
  .strictObject({
    service: probeName
      .optional()
      .describe('What the probe tells about (a row of the matrix); its name by default'),
    sites: z
      .string()
      .max(4096)
      .default('')
      .describe(
        'A selector over sites: name, kind and labels (e.g. "kind=idc" or "name in (sh,hz)"); all when empty',
      ),
    interval: duration.default('30s'),
    timeout: duration.default('5s'),
    failures: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(1)
      .describe('Failures in a row before the site counts as failing'),
    http: z
      .strictObject({
        url: z.url({ protocol: /^https?$/ }),
        method: z.enum(['GET', 'HEAD', 'POST']).default('GET'),
        headers: z.record(z.string(), z.string()).optional(),
        expect_status: z.union([z.number().int(), z.array(z.number().int())]).optional(),
        contains: z.string().optional(),
      })
      .optional(),
    tcp: z.strictObject({ host: z.string().min(1).max(253), port }).optional(),
    dns: z
      .strictObject({
        name: z.string().min(1).max(253),
        type: z.enum(DNS_RECORD_TYPES).default('A'),
        resolver: z.string().min(1).max(64).optional().describe('host or host:port of the DNS server to ask'),
        expect: z.string().optional(),
      })
      .optional(),
  })
  .superRefine((s, ctx) => {
    const given = (['http', 'tcp', 'dns'] as const).filter((k) => s[k] !== undefined);
    if (given.length !== 1)
      ctx.addIssue({ code: 'custom', path: [], message: 'a probe has exactly one of http, tcp or dns' });
    const interval = parseDuration(s.interval);
    const timeout = parseDuration(s.timeout);
    if (interval < MIN_INTERVAL_MS || interval > MAX_INTERVAL_MS)
      ctx.addIssue({ code: 'custom', path: ['interval'], message: 'between 1s and 1d' });
    if (timeout < 100 || timeout > MAX_TIMEOUT_MS)
      ctx.addIssue({ code: 'custom', path: ['timeout'], message: 'between 100ms and 60s' });
  });

export const probeDocumentSchema = z.strictObject({
  apiVersion: z.literal('tandem/v1'),
  kind: z.literal('Probe'),
  metadata: z.strictObject({
    name: probeName,
    description: z.string().max(1000).optional(),
  }),
  spec: probeSpecSchema,
});
export type ProbeDocument = z.infer<typeof probeDocumentSchema>;

/** A probe as stored and handed to agents. */
export interface ProbeDefinition {
  name: string;
  description: string | null;
  service: string;
  /** The selector text over sites ('' for all). */
  sites: string;
  intervalMs: number;
  timeoutMs: number;
  failures: number;
  check: ProbeCheck;
}

export function probeDefinition(doc: ProbeDocument): ProbeDefinition {
  const s = doc.spec;
  const expect = s.http?.expect_status;
  const check: ProbeCheck = s.http
    ? {
        type: 'http',
        method: s.http.method,
        url: s.http.url,
        headers: s.http.headers ?? {},
        expectStatus: expect === undefined ? [] : Array.isArray(expect) ? expect : [expect],
        ...(s.http.contains === undefined ? {} : { contains: s.http.contains }),
      }
    : s.tcp
      ? { type: 'tcp', host: s.tcp.host, port: s.tcp.port }
      : {
          type: 'dns',
          name: s.dns!.name,
          recordType: s.dns!.type,
          ...(s.dns!.resolver === undefined ? {} : { resolver: s.dns!.resolver }),
          ...(s.dns!.expect === undefined ? {} : { expect: s.dns!.expect }),
        };
  return {
    name: doc.metadata.name,
    description: doc.metadata.description ?? null,
    service: s.service ?? doc.metadata.name,
    sites: s.sites,
    intervalMs: parseDuration(s.interval),
    timeoutMs: parseDuration(s.timeout),
    failures: s.failures,
    check,
  };
}

/** A site as a probe's site selector sees it: its name, kind, provider, region and labels. */
export interface ProbeSite {
  name: string;
  kind: string;
  labels: Record<string, string>;
}

export const isSiteName = (s: string): boolean => SITE_PATTERN.test(s) || s === 'local';
