/**
 * What `ansible-playbook` reads for a step: the inventory of the step's hosts, the extra vars,
 * and the PLAY RECAP it prints back.
 *
 * Every string Tandem hands to Ansible is tagged `!unsafe`: Ansible templates variables (again
 * and again, when used), so a value from a runbook input holding `{{ lookup('pipe', …) }}` would
 * otherwise run on the agent. Tagged, it stays text.
 */
import type { RemoteHost, RemoteLogin } from '../../core/engine/index.ts';
import { hostLabel } from './host-keys.ts';

/** `s` as a YAML double-quoted scalar with only printable ASCII inside (PyYAML refuses some). */
function quoted(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (cp >= 0x20 && cp <= 0x7e) out += ch;
    else if (cp <= 0xffff) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return `${out}"`;
}

/** A value as YAML (flow style) with every string `!unsafe`; keys stay plain. */
export function unsafeYaml(value: unknown): string {
  if (typeof value === 'string') return `!unsafe ${quoted(value)}`;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (typeof value === 'boolean') return String(value);
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(unsafeYaml).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value).map(([k, v]) => `${quoted(k)}: ${unsafeYaml(v)}`);
    return `{${entries.join(', ')}}`;
  }
  return unsafeYaml(JSON.stringify(value));
}

/**
 * The inventory name of a host: its label, with `_port` for a port other than 22 (Ansible would
 * read `host:port` as the host `host` and merge two ports of one address into one host).
 */
export function inventoryName(target: RemoteHost): string {
  return target.port === 22 ? target.host : `${target.host}_${target.port}`;
}

/** The inventory (YAML) of the step's hosts, all in group `all`, with the login as group vars. */
export function inventory(login: RemoteLogin, keyFile: string | undefined): string {
  const hosts: Record<string, unknown> = {};
  for (const target of login.hosts)
    hosts[inventoryName(target)] = { ansible_host: target.host, ansible_port: target.port };
  const vars: Record<string, unknown> = { ansible_connection: 'ssh', ansible_user: login.user };
  if (keyFile !== undefined) vars.ansible_ssh_private_key_file = keyFile;
  else if (login.password !== undefined) vars.ansible_password = login.password;
  return `${unsafeYaml({ all: { hosts, vars } })}\n`;
}

/** One host's line of the PLAY RECAP. */
export interface RecapLine {
  host: string;
  ok: number;
  changed: number;
  unreachable: number;
  failed: number;
  skipped: number;
  rescued: number;
  ignored: number;
}

/** The PLAY RECAP of `ansible-playbook`'s output, by the step's host labels. */
export function parseRecap(stdout: string, hosts: RemoteHost[]): RecapLine[] {
  const start = stdout.lastIndexOf('PLAY RECAP');
  if (start < 0) return [];
  const labels = new Map(hosts.map((h) => [inventoryName(h), hostLabel(h)]));
  const out: RecapLine[] = [];
  for (const line of stdout.slice(start).split('\n').slice(1)) {
    const m = /^(\S+)\s+:\s+(.*)$/.exec(line.trim());
    if (m === null) continue;
    const counts = Object.fromEntries([...m[2]!.matchAll(/(\w+)=(\d+)/g)].map((c) => [c[1]!, Number(c[2])]));
    const n = (name: string) => counts[name] ?? 0;
    out.push({
      host: labels.get(m[1]!) ?? m[1]!,
      ok: n('ok'),
      changed: n('changed'),
      unreachable: n('unreachable'),
      failed: n('failed'),
      skipped: n('skipped'),
      rescued: n('rescued'),
      ignored: n('ignored'),
    });
  }
  return out;
}
