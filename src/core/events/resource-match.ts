/**
 * Which estate resource an alert is about, from its labels. Candidates are tried in this order,
 * and the first that exists in the estate wins:
 *
 * 1. `tandem_resource: kind/name`
 * 2. `resource: kind/name`; `resource: name` with `kind: k` is `k/name`; `resource: name` alone is
 *    a resource of that name of kind host, service, database, load_balancer, cluster, network or
 *    group (in that order)
 * 3. `kind` and `name` together
 * 4. `instance` (Prometheus `host:port`, `[v6]:port` or URL): `host/<its host>`
 * 5. `host`, `hostname`, `nodename`, `node`: `host/<value>`
 * 6. `service`: `service/<value>`
 * 7. `job` (Prometheus): `service/<value>` — what importing Prometheus targets creates
 * 8. `source` (PagerDuty's payload.source): `host/<value>`; `component`: `service/<value>`
 *
 * The site is the resource's site; without one (or without a resource), the `site` label's.
 */
import {
  commonKinds,
  instanceHost,
  KIND_PATTERN,
  parseResourceRef,
  RESOURCE_NAME_PATTERN,
  SITE_PATTERN,
} from '../estate/index.ts';
import type { ResourceRef } from './model.ts';

/** A resource an alert may be about; `kind` null: any of `ANY_KINDS`, in that order. */
export interface ResourceCandidate {
  kind: string | null;
  name: string;
  /** The label it was read from. */
  via: string;
}

export const ANY_KINDS: readonly string[] = commonKinds;

const HOST_LABELS = ['host', 'hostname', 'nodename', 'node'] as const;

const valid = (kind: string | null, name: string) =>
  RESOURCE_NAME_PATTERN.test(name) && (kind === null || KIND_PATTERN.test(kind));

/** The candidates of `labels`, in the order they are tried. */
export function resourceCandidates(labels: Readonly<Record<string, string>>): ResourceCandidate[] {
  const out: ResourceCandidate[] = [];
  const seen = new Set<string>();
  const add = (kind: string | null, name: string | undefined, via: string) => {
    if (name === undefined || name === '' || !valid(kind, name)) return;
    const key = `${kind ?? '*'}/${name}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ kind, name, via });
  };
  const ref = (text: string | undefined, via: string): boolean => {
    const r = text === undefined ? undefined : parseResourceRef(text);
    if (r) add(r.kind, r.name, via);
    return r !== undefined;
  };

  ref(labels.tandem_resource, 'tandem_resource');
  const resource = labels.resource;
  if (resource !== undefined && !ref(resource, 'resource')) {
    if (labels.kind !== undefined) add(labels.kind, resource, 'kind+resource');
    else add(null, resource, 'resource');
  }
  if (labels.kind !== undefined && labels.name !== undefined) add(labels.kind, labels.name, 'kind+name');
  if (labels.instance !== undefined) add('host', instanceHost(labels.instance), 'instance');
  for (const key of HOST_LABELS) add('host', labels[key], key);
  add('service', labels.service, 'service');
  add('service', labels.job, 'job');
  add('host', labels.source, 'source');
  add('service', labels.component, 'component');
  return out;
}

/** `kind/name` keys to look up for `candidates` (any-kind ones expanded). */
export function candidateKeys(candidates: readonly ResourceCandidate[]): { kind: string; name: string }[] {
  return candidates.flatMap((c) =>
    (c.kind === null ? ANY_KINDS : [c.kind]).map((kind) => ({ kind, name: c.name })),
  );
}

/** The first candidate that `exists`, as a reference and the label it came from. */
export function pickResource(
  candidates: readonly ResourceCandidate[],
  exists: (kind: string, name: string) => boolean,
): { resource: ResourceRef; via: string } | null {
  for (const c of candidates)
    for (const kind of c.kind === null ? ANY_KINDS : [c.kind])
      if (exists(kind, c.name)) return { resource: { kind, name: c.name }, via: c.via };
  return null;
}

/** The event's site: the resource's, else a valid `site` label, else none. */
export function siteOf(labels: Readonly<Record<string, string>>, resourceSite: string | null): string | null {
  if (resourceSite !== null) return resourceSite;
  const label = labels.site;
  return label !== undefined && SITE_PATTERN.test(label) ? label : null;
}

export const refKey = (r: ResourceRef): string => `${r.kind}/${r.name}`;

/** `kind/name` text back to a reference (null for null or malformed text). */
export function refOf(text: string | null): ResourceRef | null {
  if (text === null) return null;
  const at = text.indexOf('/');
  return at > 0 ? { kind: text.slice(0, at), name: text.slice(at + 1) } : null;
}
