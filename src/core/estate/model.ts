/**
 * The estate: what runs where. A `kind: Estate` document lists resources owned by one source.
 *
 * Glossary
 * - resource: one thing of the estate (a host, a service, a database, a load balancer, a
 *   cluster, a network…), known by its `kind` and `name` (unique together), with a site, labels
 *   (short strings selectors match on), properties (what its source declares) and facts (what an
 *   agent observed on it).
 * - source: who declares a resource: an applied file (`metadata.source`), an agent
 *   (`agent:<id>`), an Ansible inventory (`ansible:<file>`) or a Prometheus (`prometheus:<host>`).
 *   Applying a source again removes the resources it no longer lists; others are not touched.
 * - relation: a typed link from a resource to another, written `kind/name`: `runs_on`,
 *   `depends_on`, `replicates_to`, `member_of`. Relations name their target, which may not
 *   exist (yet): another source may declare it later.
 */
import { z } from 'zod';

/** The relation types, from the resource that has them to the one they name. */
export const relationTypes = ['runs_on', 'depends_on', 'replicates_to', 'member_of'] as const;
export type RelationType = (typeof relationTypes)[number];
export const isRelationType = (s: string): s is RelationType =>
  (relationTypes as readonly string[]).includes(s);

/** Kinds in common use; any lower-case word is accepted. */
export const commonKinds = [
  'host',
  'service',
  'database',
  'load_balancer',
  'cluster',
  'network',
  'group',
] as const;

export const KIND_PATTERN = /^[a-z][a-z0-9_]{0,62}$/;
/** Host names, IP addresses (v6 too) and service names; never `/`, which separates kind and name. */
export const RESOURCE_NAME_PATTERN = /^[A-Za-z0-9_:][A-Za-z0-9._:@-]{0,252}$/;
export const LABEL_KEY_PATTERN = /^[A-Za-z0-9]([A-Za-z0-9._/-]{0,61}[A-Za-z0-9])?$/;
export const SITE_PATTERN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
export const SOURCE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,199}$/;
/** Sources Tandem writes itself: an applied file may not take these names. */
export const RESERVED_SOURCE_PREFIXES = ['agent:', 'ansible:', 'prometheus:'] as const;

export const kindSchema = z
  .string()
  .regex(KIND_PATTERN, 'a lower-case word such as host, service, database or load_balancer');
export const resourceNameSchema = z
  .string()
  .regex(RESOURCE_NAME_PATTERN, 'letters, digits, ".", "_", ":", "@" and "-" (no "/"), at most 253');
export const siteSchema = z.string().regex(SITE_PATTERN, 'a site name: lower-case letters, digits and "-"');

/** `kind/name`: the resource a relation points to. */
export const resourceRefSchema = z
  .string()
  .regex(
    /^[a-z][a-z0-9_]{0,62}\/[A-Za-z0-9_:][A-Za-z0-9._:@-]{0,252}$/,
    'kind/name of a resource, e.g. host/web-1',
  );

/** Labels are strings; numbers and booleans written in YAML are taken as their text. */
const labelValue = z.union([z.string().max(255), z.number(), z.boolean()]).transform((v) => String(v));

export const labelsSchema = z.record(
  z.string().regex(LABEL_KEY_PATTERN, 'a label key: letters, digits, ".", "_", "/" and "-"'),
  labelValue,
);

export const relationsSchema = z.strictObject({
  runs_on: z.array(resourceRefSchema).optional(),
  depends_on: z.array(resourceRefSchema).optional(),
  replicates_to: z.array(resourceRefSchema).optional(),
  member_of: z.array(resourceRefSchema).optional(),
});

/** One resource as a source declares it. */
export const resourceSpecSchema = z.strictObject({
  kind: kindSchema,
  name: resourceNameSchema,
  site: siteSchema.optional(),
  labels: labelsSchema.optional(),
  properties: z.record(z.string(), z.unknown()).optional(),
  relations: relationsSchema.optional(),
});

export const estateDocumentSchema = z.strictObject({
  apiVersion: z.literal('tandem/v1'),
  kind: z.literal('Estate'),
  metadata: z.strictObject({
    source: z
      .string()
      .regex(SOURCE_PATTERN, 'a source name: letters, digits, ".", "_", ":", "@", "/" and "-"')
      .refine((s) => !RESERVED_SOURCE_PREFIXES.some((p) => s.startsWith(p)), {
        message: `names starting with ${RESERVED_SOURCE_PREFIXES.join(', ')} belong to agents and imports`,
      }),
    description: z.string().optional(),
  }),
  spec: z.strictObject({
    resources: z.array(resourceSpecSchema).max(200_000),
  }),
});
export type EstateDocument = z.output<typeof estateDocumentSchema>;

/** A relation of a resource: its type and the `kind` and `name` of the resource it names. */
export interface RelationRef {
  type: RelationType;
  kind: string;
  name: string;
}

/**
 * A resource as a source declares it, normalised: labels as strings, relations as a sorted list.
 * `facts` are set only by agents.
 */
export interface ResourceSpec {
  kind: string;
  name: string;
  site: string | null;
  labels: Record<string, string>;
  properties: Record<string, unknown>;
  relations: RelationRef[];
}

/** A stored resource: its spec, who declared it, and what agents observed on it. */
export interface Resource extends ResourceSpec {
  id: string;
  source: string;
  facts: Record<string, unknown> | null;
  createdAt: number;
  updatedAt: number;
}

export const resourceKey = (r: { kind: string; name: string }): string => `${r.kind}/${r.name}`;

/** `kind/name` split at its first `/`. */
export function parseResourceRef(ref: string): { kind: string; name: string } | undefined {
  const at = ref.indexOf('/');
  if (at <= 0 || at === ref.length - 1) return undefined;
  const kind = ref.slice(0, at);
  const name = ref.slice(at + 1);
  return KIND_PATTERN.test(kind) && RESOURCE_NAME_PATTERN.test(name) ? { kind, name } : undefined;
}

const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const compareRelations = (a: RelationRef, b: RelationRef): number =>
  byCodeUnits(a.type, b.type) || byCodeUnits(a.kind, b.kind) || byCodeUnits(a.name, b.name);

/** Relations in one order, without repeats: so two specs compare equal when they say the same. */
export function normaliseRelations(relations: RelationRef[]): RelationRef[] {
  const seen = new Map<string, RelationRef>();
  for (const r of relations) seen.set(`${r.type} ${r.kind}/${r.name}`, r);
  return [...seen.values()].sort(compareRelations);
}

/** Sorted keys, so stored JSON and comparisons do not depend on the order a source wrote. */
export function sortedRecord<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** A declared resource (as validated) turned into the normalised spec. */
export function toResourceSpec(r: z.output<typeof resourceSpecSchema>): ResourceSpec {
  const relations: RelationRef[] = [];
  for (const type of relationTypes)
    for (const ref of r.relations?.[type] ?? []) {
      const target = parseResourceRef(ref);
      if (target) relations.push({ type, ...target });
    }
  return {
    kind: r.kind,
    name: r.name,
    site: r.site ?? null,
    labels: sortedRecord(r.labels ?? {}),
    properties: r.properties ?? {},
    relations: normaliseRelations(relations),
  };
}
