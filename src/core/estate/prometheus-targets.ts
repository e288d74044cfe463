/**
 * Prometheus targets (the answer of `/api/v1/targets`) as estate resources: each instance's host
 * a `host` resource (its target labels as labels, the host as `address`), each job a `service`
 * resource that `runs_on` the hosts of its targets, labelled with `job` and the labels all its
 * targets share. A target label `site` becomes the resource's site.
 */
import { z } from 'zod';
import { TandemError } from '../errors.ts';
import {
  LABEL_KEY_PATTERN,
  normaliseRelations,
  RESOURCE_NAME_PATTERN,
  SITE_PATTERN,
  sortedRecord,
  type ResourceSpec,
} from './model.ts';

/** The parts of Prometheus's answer used here; everything else is ignored. */
const targetsAnswer = z.object({
  status: z.literal('success'),
  data: z.object({
    activeTargets: z.array(
      z.object({
        labels: z.record(z.string(), z.string()),
        scrapePool: z.string().optional(),
        scrapeUrl: z.string().optional(),
      }),
    ),
  }),
});

/** The host of an instance: `host:port`, `[v6]:port`, a bare host, or a URL (blackbox probes). */
export function instanceHost(instance: string): string | undefined {
  if (instance.includes('://')) {
    if (!URL.canParse(instance)) return undefined;
    return new URL(instance).hostname.replace(/^\[|\]$/g, '').toLowerCase() || undefined;
  }
  const v6 = /^\[([^\]]+)\](?::\d+)?$/.exec(instance);
  if (v6) return v6[1]!.toLowerCase();
  const m = /^([^:]+)(?::\d+)?$/.exec(instance);
  return m ? m[1]!.toLowerCase() : undefined;
}

export interface TargetsImport {
  resources: ResourceSpec[];
  skipped: { name: string; reason: string }[];
}

/** The resources Prometheus's targets describe; `site` applies unless a target has a `site` label. */
export function targetResources(answer: unknown, site: string | null): TargetsImport {
  const parsed = targetsAnswer.safeParse(answer);
  if (!parsed.success)
    throw new TandemError(
      'invalid_input',
      'not an answer of Prometheus /api/v1/targets: expected {"status":"success","data":{"activeTargets":[…]}}',
    );
  const hosts = new Map<string, ResourceSpec>();
  const jobs = new Map<
    string,
    {
      targets: Record<string, string>[];
      hosts: Set<string>;
      site: string | null;
      pool: string;
      instances: string[];
    }
  >();
  const skipped: TargetsImport['skipped'] = [];
  for (const target of parsed.data.data.activeTargets) {
    const { job, instance } = target.labels;
    if (job === undefined || instance === undefined) continue;
    const host = instanceHost(instance);
    if (host === undefined || !RESOURCE_NAME_PATTERN.test(host)) {
      skipped.push({ name: instance, reason: 'its host is not a valid resource name' });
      continue;
    }
    const labels: Record<string, string> = {};
    let targetSite = site;
    for (const [k, v] of Object.entries(target.labels)) {
      if (k === 'job' || k === 'instance' || k.startsWith('__')) continue;
      if (k === 'site') {
        if (SITE_PATTERN.test(v)) targetSite = v;
        continue;
      }
      if (LABEL_KEY_PATTERN.test(k) && v.length <= 255) labels[k] = v;
    }
    const known = hosts.get(host);
    // A host scraped by several jobs gathers their labels; the first value of a key stays.
    hosts.set(host, {
      kind: 'host',
      name: host,
      site: known?.site ?? targetSite,
      labels: sortedRecord({ ...labels, ...(known?.labels ?? {}) }),
      properties: { address: host },
      relations: [],
    });
    const j = jobs.get(job) ?? {
      targets: [],
      hosts: new Set<string>(),
      site: targetSite,
      pool: target.scrapePool ?? job,
      instances: [],
    };
    j.targets.push(labels);
    j.hosts.add(host);
    j.instances.push(instance);
    jobs.set(job, j);
  }
  const services: ResourceSpec[] = [];
  for (const [job, j] of jobs) {
    if (!RESOURCE_NAME_PATTERN.test(job)) {
      skipped.push({ name: job, reason: 'the job name is not a valid resource name' });
      continue;
    }
    const [first, ...rest] = j.targets;
    const shared = Object.fromEntries(
      Object.entries(first ?? {}).filter(([k, v]) => rest.every((t) => t[k] === v)),
    );
    services.push({
      kind: 'service',
      name: job,
      site: j.site,
      labels: sortedRecord({ ...shared, job }),
      properties: { scrape_pool: j.pool, instances: [...j.instances].sort() },
      relations: normaliseRelations(
        [...j.hosts].map((h) => ({ type: 'runs_on' as const, kind: 'host', name: h })),
      ),
    });
  }
  return { resources: [...hosts.values(), ...services], skipped };
}
