/**
 * Where to reach a resource that a runbook's `targets:` selected: `properties.address` (with
 * `properties.port` when the address has none), else the first address an agent reported in its
 * facts, else the resource's name.
 */
import { TandemError } from '../errors.ts';

export interface TargetAddress {
  host: string;
  /** Set when the resource says which port (its address `host:port`, or `properties.port`). */
  port?: number;
}

const HOST_PORT = /^(?:\[([0-9A-Fa-f:.]+(?:%[\w.-]+)?)\]|([A-Za-z0-9_][\w.-]*))(?::(\d{1,5}))?$/;
const BARE_V6 = /^[0-9A-Fa-f]*:[0-9A-Fa-f]*:[0-9A-Fa-f:.]*(?:%[\w.-]+)?$/;

function asPort(value: unknown): number | undefined {
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^\d+$/.test(value)
        ? Number(value)
        : NaN;
  return Number.isInteger(n) && n >= 1 && n <= 65535 ? n : undefined;
}

/** `host`, `host:port`, `[v6]`, `[v6]:port` or a bare v6 address; undefined when it is none. */
export function parseAddress(text: string): TargetAddress | undefined {
  if (BARE_V6.test(text)) return { host: text };
  const m = HOST_PORT.exec(text);
  if (!m) return undefined;
  const port = m[3] === undefined ? undefined : asPort(m[3]);
  if (m[3] !== undefined && port === undefined) return undefined;
  return { host: m[1] ?? m[2]!, ...(port === undefined ? {} : { port }) };
}

/** The address of a selected resource; throws when its `address` property is not one. */
export function resourceAddress(r: {
  kind: string;
  name: string;
  properties: Record<string, unknown>;
  facts: Record<string, unknown> | null;
}): TargetAddress {
  const declared = r.properties.address;
  const reported = Array.isArray(r.facts?.addresses) ? (r.facts.addresses as unknown[])[0] : undefined;
  const text =
    typeof declared === 'string' && declared !== ''
      ? declared
      : typeof reported === 'string'
        ? reported
        : r.name;
  const address = parseAddress(text);
  if (!address)
    throw new TandemError(
      'invalid_input',
      `${r.kind}/${r.name}: "${text}" is not an address (host or host:port)`,
    );
  const port = address.port ?? asPort(r.properties.port);
  return port === undefined ? { host: address.host } : { host: address.host, port };
}
