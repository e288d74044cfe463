/**
 * Ansible inventories (INI and YAML) as estate resources: each host a `host` resource (its vars as
 * properties, `ansible_host` as `address`, `ansible_port` as `port`, `ansible_user` as `user`),
 * each group a `group` resource, and membership as `member_of` relations (a host is a member of
 * its groups and of their parents, as Ansible sees it). Vars whose names look like credentials
 * (`ansible_password`, `*_secret`, `*token*`) are left out: the estate is not a secret store.
 */
import { parse as parseYaml } from 'yaml';
import { TandemError, type ErrorDetail } from '../errors.ts';
import {
  normaliseRelations,
  RESOURCE_NAME_PATTERN,
  SITE_PATTERN,
  sortedRecord,
  type RelationRef,
  type ResourceSpec,
} from './model.ts';

export type InventoryFormat = 'ini' | 'yaml';

interface Group {
  hosts: Map<string, Record<string, unknown>>;
  vars: Record<string, unknown>;
  children: Set<string>;
}

/** Groups by name, as read from either format. */
type Inventory = Map<string, Group>;

const SECRET_VAR = /pass(word)?|secret|token|private_key|vault/i;
const RENAMED: Record<string, string> = {
  ansible_host: 'address',
  ansible_port: 'port',
  ansible_user: 'user',
};

function group(inv: Inventory, name: string): Group {
  let g = inv.get(name);
  if (!g) {
    g = { hosts: new Map(), vars: {}, children: new Set() };
    inv.set(name, g);
  }
  return g;
}

function addHost(g: Group, host: string, vars: Record<string, unknown>): void {
  g.hosts.set(host, { ...(g.hosts.get(host) ?? {}), ...vars });
}

/** `web[01:03].x` → web01.x, web02.x, web03.x; `db-[a:c]` → db-a, db-b, db-c (stride optional). */
export function expandHostPattern(pattern: string): string[] {
  const m = /^(.*?)\[([0-9a-zA-Z]+):([0-9a-zA-Z]+)(?::(\d+))?\](.*)$/.exec(pattern);
  if (!m) return [pattern];
  const [, head, from, to, strideText, tail] = m as unknown as [
    string,
    string,
    string,
    string,
    string | undefined,
    string,
  ];
  const stride = strideText === undefined ? 1 : Number(strideText);
  const items: string[] = [];
  if (/^\d+$/.test(from) && /^\d+$/.test(to)) {
    const width = from.length;
    for (let n = Number(from); n <= Number(to) && items.length < 100_000; n += Math.max(stride, 1))
      items.push(String(n).padStart(width, '0'));
  } else if (/^[a-zA-Z]$/.test(from) && /^[a-zA-Z]$/.test(to)) {
    for (let c = from.charCodeAt(0); c <= to.charCodeAt(0); c += Math.max(stride, 1))
      items.push(String.fromCharCode(c));
  } else return [pattern];
  return items.flatMap((item) => expandHostPattern(`${head}${item}${tail}`));
}

/** Splits `a=1 b="x y"` into words, keeping quoted parts together. */
function words(text: string): string[] {
  const out: string[] = [];
  const re = /(?:[^\s"']+|"(?:\\.|[^"\\])*"|'[^']*')+/g;
  for (const m of text.matchAll(re)) out.push(m[0]);
  return out;
}

const unquote = (v: string): string =>
  (v.startsWith('"') && v.endsWith('"') && v.length >= 2) ||
  (v.startsWith("'") && v.endsWith("'") && v.length >= 2)
    ? v.slice(1, -1)
    : v;

/** Inline host vars are literals in Ansible: numbers and booleans are typed, the rest text. */
function literal(v: string): unknown {
  if (/^-?\d+$/.test(v)) return Number(v);
  if (/^-?\d+\.\d+$/.test(v)) return Number(v);
  if (v === 'True' || v === 'true') return true;
  if (v === 'False' || v === 'false') return false;
  return unquote(v);
}

function splitPair(word: string): [string, string] | undefined {
  const at = word.indexOf('=');
  return at <= 0 ? undefined : [word.slice(0, at), word.slice(at + 1)];
}

function iniError(line: number, message: string): TandemError {
  return new TandemError('invalid_input', `inventory line ${line}: ${message}`, {
    details: [{ path: 'inventory', message, line, column: 1 }],
  });
}

function parseIni(text: string): Inventory {
  const inv: Inventory = new Map();
  group(inv, 'all');
  let section: { name: string; type: 'hosts' | 'vars' | 'children' } = { name: 'ungrouped', type: 'hosts' };
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    const n = i + 1;
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const header = /^\[([^\]:]+)(?::(vars|children))?\]$/.exec(line);
    if (header) {
      section = { name: header[1]!.trim(), type: (header[2] as 'vars' | 'children' | undefined) ?? 'hosts' };
      group(inv, section.name);
      return;
    }
    if (line.startsWith('['))
      throw iniError(n, `"${line}" is not a section header: [group], [group:vars] or [group:children]`);
    const g = group(inv, section.name);
    if (section.type === 'vars') {
      const at = line.indexOf('=');
      if (at <= 0) throw iniError(n, `expected name=value in [${section.name}:vars]`);
      g.vars[line.slice(0, at).trim()] = unquote(line.slice(at + 1).trim());
      return;
    }
    if (section.type === 'children') {
      group(inv, line);
      g.children.add(line);
      return;
    }
    const [pattern, ...rest] = words(line);
    const vars: Record<string, unknown> = {};
    for (const w of rest) {
      const pair = splitPair(w);
      if (!pair) throw iniError(n, `"${w}" is not a host variable (name=value)`);
      vars[pair[0]] = literal(pair[1]);
    }
    // `host:2222` sets the port (not for IPv6 addresses, which hold colons of their own).
    let name = pattern!;
    const port = /^([^:]+):(\d+)$/.exec(name);
    if (port) {
      name = port[1]!;
      vars.ansible_port ??= Number(port[2]);
    }
    for (const host of expandHostPattern(name)) addHost(g, host, vars);
  });
  return inv;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function readYamlGroup(inv: Inventory, name: string, value: unknown, path: string): void {
  const g = group(inv, name);
  if (value === null || value === undefined) return;
  if (!isRecord(value)) throw yamlError(path, 'expected a mapping with hosts, vars and children');
  for (const key of Object.keys(value))
    if (key !== 'hosts' && key !== 'vars' && key !== 'children')
      throw yamlError(`${path}.${key}`, `unknown field "${key}"; a group has hosts, vars and children`);
  const hosts = value.hosts ?? {};
  if (!isRecord(hosts)) throw yamlError(`${path}.hosts`, 'expected a mapping of host names');
  for (const [pattern, vars] of Object.entries(hosts)) {
    if (vars !== null && !isRecord(vars))
      throw yamlError(`${path}.hosts.${pattern}`, 'expected the host variables as a mapping');
    for (const host of expandHostPattern(pattern)) addHost(g, host, vars ?? {});
  }
  const vars = value.vars ?? {};
  if (!isRecord(vars)) throw yamlError(`${path}.vars`, 'expected a mapping');
  Object.assign(g.vars, vars);
  const children = value.children ?? {};
  if (!isRecord(children)) throw yamlError(`${path}.children`, 'expected a mapping of groups');
  for (const [child, body] of Object.entries(children)) {
    g.children.add(child);
    readYamlGroup(inv, child, body, `${path}.children.${child}`);
  }
}

function yamlError(path: string, message: string): TandemError {
  return new TandemError('invalid_input', `inventory ${path}: ${message}`, {
    details: [{ path: `inventory.${path}`, message }],
  });
}

function parseYamlInventory(text: string): Inventory {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err: unknown) {
    const detail: ErrorDetail = {
      path: 'inventory',
      message: err instanceof Error ? err.message : String(err),
    };
    throw new TandemError('invalid_input', `inventory: not YAML: ${detail.message}`, { details: [detail] });
  }
  if (!isRecord(doc)) throw yamlError('', 'expected a mapping of groups (all:, …)');
  const inv: Inventory = new Map();
  group(inv, 'all');
  for (const [name, body] of Object.entries(doc)) readYamlGroup(inv, name, body, name);
  return inv;
}

/** INI unless the text looks like YAML (`all:` or `name:` on its first line of content). */
export function guessInventoryFormat(text: string): InventoryFormat {
  const first = text.split(/\r?\n/).find((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  return first !== undefined && /^[A-Za-z0-9_.-]+:\s*(#.*)?$/.test(first.trimEnd()) ? 'yaml' : 'ini';
}

/** Every group's parents, transitively ("all" is left out: it says nothing). */
function ancestorsOf(inv: Inventory): Map<string, Set<string>> {
  const parents = new Map<string, Set<string>>();
  for (const [name, g] of inv)
    for (const child of g.children) parents.set(child, (parents.get(child) ?? new Set()).add(name));
  const memo = new Map<string, Set<string>>();
  const walk = (name: string, seen: Set<string>): Set<string> => {
    const known = memo.get(name);
    if (known) return known;
    const out = new Set<string>();
    for (const p of parents.get(name) ?? []) {
      if (seen.has(p)) continue;
      out.add(p);
      for (const a of walk(p, new Set([...seen, p]))) out.add(a);
    }
    memo.set(name, out);
    return out;
  };
  const result = new Map<string, Set<string>>();
  for (const name of inv.keys()) result.set(name, walk(name, new Set([name])));
  return result;
}

function cleanVars(vars: Record<string, unknown>, dropped: Set<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(vars)) {
    if (SECRET_VAR.test(k)) {
      dropped.add(k);
      continue;
    }
    out[RENAMED[k] ?? k] = v;
  }
  return sortedRecord(out);
}

export interface InventoryImport {
  resources: ResourceSpec[];
  /** Hosts or groups whose names cannot be resource names, each with the reason. */
  skipped: { name: string; reason: string }[];
  /** Names of variables left out because they look like credentials. */
  droppedVars: string[];
}

const HIDDEN_GROUPS = new Set(['all', 'ungrouped']);

/**
 * The resources an inventory describes. `site` applies to every host and group unless a host's
 * vars set `tandem_site`.
 */
export function inventoryResources(
  text: string,
  format: InventoryFormat,
  site: string | null,
): InventoryImport {
  const inv = format === 'ini' ? parseIni(text) : parseYamlInventory(text);
  const ancestors = ancestorsOf(inv);
  const depth = (g: string) => (g === 'all' ? 0 : 1 + (ancestors.get(g)?.size ?? 0));
  const skipped: InventoryImport['skipped'] = [];
  const dropped = new Set<string>();
  const hosts = new Map<string, { vars: Record<string, unknown>; groups: Set<string> }>();
  for (const [name, g] of inv)
    for (const [host, vars] of g.hosts) {
      const h = hosts.get(host) ?? { vars: {}, groups: new Set<string>() };
      Object.assign(h.vars, vars);
      h.groups.add(name);
      for (const a of ancestors.get(name) ?? []) h.groups.add(a);
      hosts.set(host, h);
    }
  const resources: ResourceSpec[] = [];
  const ref = (g: string): RelationRef => ({ type: 'member_of', kind: 'group', name: g });
  for (const [host, h] of [...hosts].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!RESOURCE_NAME_PATTERN.test(host)) {
      skipped.push({ name: host, reason: 'not a valid resource name' });
      continue;
    }
    // Ansible's precedence: all's vars, then groups from the outermost in, then the host's own.
    const groups = [...h.groups, 'all'].sort((a, b) => depth(a) - depth(b) || (a < b ? -1 : 1));
    const merged: Record<string, unknown> = {};
    for (const g of groups) Object.assign(merged, inv.get(g)?.vars ?? {});
    Object.assign(merged, h.vars);
    const hostSite =
      typeof merged.tandem_site === 'string' && SITE_PATTERN.test(merged.tandem_site)
        ? merged.tandem_site
        : site;
    delete merged.tandem_site;
    resources.push({
      kind: 'host',
      name: host,
      site: hostSite,
      labels: {},
      properties: cleanVars(merged, dropped),
      relations: normaliseRelations([...h.groups].filter((g) => !HIDDEN_GROUPS.has(g)).map(ref)),
    });
  }
  for (const [name, g] of inv) {
    if (HIDDEN_GROUPS.has(name)) continue;
    if (!RESOURCE_NAME_PATTERN.test(name)) {
      skipped.push({ name, reason: 'not a valid resource name' });
      continue;
    }
    const parents = [...inv].filter(([, p]) => p.children.has(name)).map(([p]) => p);
    resources.push({
      kind: 'group',
      name,
      site,
      labels: {},
      properties: cleanVars(g.vars, dropped),
      relations: normaliseRelations(parents.filter((p) => !HIDDEN_GROUPS.has(p)).map(ref)),
    });
  }
  const order = (a: ResourceSpec, b: ResourceSpec) =>
    a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  return { resources: resources.sort(order), skipped, droppedVars: [...dropped].sort() };
}
